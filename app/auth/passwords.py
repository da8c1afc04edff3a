"""Password hashing (argon2id) and the rules a new password must meet."""
import gzip
from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import gettext as _

# Django's list of 19,640 common passwords (see data/NOTICE), lowercased.
COMMON_PASSWORDS_FILE = Path(__file__).resolve().parent / "data" / "common-passwords.txt.gz"


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


@cache
def common_passwords() -> frozenset[str]:
    with gzip.open(COMMON_PASSWORDS_FILE, "rt", encoding="utf-8") as f:
        return frozenset(line.strip() for line in f if line.strip())


def password_problem(password: str) -> str | None:
    """Why `password` may not be chosen, in the current language; None when it may."""
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password) < minimum:
        return _("Use at least %(count)s characters.", count=minimum)
    if password.strip().lower() in common_passwords():
        return _("This password is on a list of common passwords that guessers try first. Choose another.")
    return None
