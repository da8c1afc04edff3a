"""Failed logins counted in the database (so the limits hold across workers),
in the manner of OWASP's "device cookies":

- a browser that has logged in to the account before (a valid device cookie,
  app/auth/devices.py) is judged by its own failures only, so a guesser
  elsewhere, even behind the same address, cannot lock the owner out;
- any other browser is judged by the failures on the account from its address,
  and by the failures from its address across accounts (a guesser trying one
  password on many accounts). A username is counted without its capitals, as
  the login matches it.

Each key gets some free failures; past them, each further failure locks the key
out for LOGIN_LOCKOUT_MINUTES, twice as long as the one before, so a guesser
keeps being slowed down however long they go on. Attempts refused while locked
out are not failures: they never reach the password.
"""
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, func, select

from .. import clock
from ..extensions import db
from .devices import known_device
from .models import LoginAttempt


def lockout_end(failures: int, last_failure: datetime | None, free: int) -> datetime | None:
    """When a key with `failures` remembered failures, the latest at
    `last_failure`, may try again; None when it was never locked out."""
    if failures < free or last_failure is None:
        return None
    c = current_app.config
    # The exponent is capped before the power so a long-running guesser cannot overflow it.
    doublings = min(failures - free, 32)
    minutes = min(c["LOGIN_LOCKOUT_MINUTES"] * 2**doublings, c["LOGIN_LOCKOUT_MAX_MINUTES"])
    return last_failure + timedelta(minutes=minutes)


def _lockout(condition, free: int, now: datetime) -> datetime | None:
    since = now - timedelta(hours=current_app.config["LOGIN_FAILURE_MEMORY_HOURS"])
    failures, last = db.session.execute(
        select(func.count(LoginAttempt.id), func.max(LoginAttempt.at)).where(
            condition, LoginAttempt.success.is_(False), LoginAttempt.at >= since
        )
    ).one()
    end = lockout_end(failures, last, free)
    return end if end is not None and end > now else None


def device_lockout(device: str, now: datetime | None = None) -> datetime | None:
    """Until when a device cookie has lost its standing by its own failures."""
    return _lockout(LoginAttempt.device == device, current_app.config["LOGIN_MAX_FAILURES_PER_DEVICE"],
                    now or clock.now())


def username_key(username: str) -> str:
    """The name failures are counted under: without capitals, as the login
    matches it, so "Med_Wang" and "MED_WANG" are one count, not two."""
    return username.strip().lower()[:60]


def stranger_lockout(username: str, address: str, now: datetime | None = None) -> datetime | None:
    """Until when a browser unknown to the account may not try it from
    `address`: the later of the account-and-address and the address lockouts.
    Only failures of such browsers count here; those of known devices count
    against their cookie."""
    c = current_app.config
    now = now or clock.now()
    stranger = LoginAttempt.device.is_(None)
    ends = [
        _lockout(and_(stranger, LoginAttempt.username == username_key(username), LoginAttempt.address == address[:64]),
                 c["LOGIN_MAX_FAILURES_PER_ACCOUNT_ADDRESS"], now),
        _lockout(and_(stranger, LoginAttempt.address == address[:64]), c["LOGIN_MAX_FAILURES_PER_ADDRESS"], now),
    ]
    return max((end for end in ends if end is not None), default=None)


def judge(username: str, user, address: str, now: datetime | None = None) -> tuple[str | None, datetime | None]:
    """How to count a password attempt on `username` (`user` when the account
    exists) from this request: (the device cookie's nonce it counts against,
    None for a stranger; until when it is refused, None when it may go ahead)."""
    now = now or clock.now()
    device = known_device(user, now) if user is not None else None
    if device is not None and device_lockout(device, now) is None:
        return device, None
    # A device cookie that failed too often counts for no more than a stranger.
    return None, stranger_lockout(username, address, now)


def note_attempt(username: str, address: str, success: bool, device: str | None = None) -> None:
    """Count one attempt; `device` is the nonce of the device cookie the
    attempt was judged by, None for a browser unknown to the account."""
    db.session.add(LoginAttempt(username=username_key(username), address=address[:64], at=clock.now(), success=success,
                                device=device))
