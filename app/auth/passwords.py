from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app


def _hasher() -> PasswordHasher:
    c = current_app.config
    return PasswordHasher(
        time_cost=c["ARGON2_TIME_COST"], memory_cost=c["ARGON2_MEMORY_COST"], parallelism=c["ARGON2_PARALLELISM"]
    )


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def check_password(stored_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# Verified against when the username is unknown, so both paths cost the same
# and response times do not reveal which accounts exist.
_DUMMY: dict[str, str] = {}


def burn_time(password: str) -> None:
    key = "dummy"
    if key not in _DUMMY:
        _DUMMY[key] = hash_password("not-a-real-password")
    check_password(_DUMMY[key], password)
