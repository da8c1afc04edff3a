"""Failed logins counted in the database, per account and per address."""
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select

from .. import clock
from ..extensions import db
from .models import LoginAttempt


def _failures_since(column, value, since) -> int:
    return db.session.execute(
        select(func.count(LoginAttempt.id)).where(
            column == value, LoginAttempt.success.is_(False), LoginAttempt.at >= since
        )
    ).scalar()


def is_throttled(username: str, address: str) -> bool:
    c = current_app.config
    since = clock.now() - timedelta(minutes=c["LOGIN_WINDOW_MINUTES"])
    if _failures_since(LoginAttempt.username, username, since) >= c["LOGIN_MAX_FAILURES_PER_USER"]:
        return True
    return _failures_since(LoginAttempt.address, address, since) >= c["LOGIN_MAX_FAILURES_PER_ADDRESS"]


def note_attempt(username: str, address: str, success: bool) -> None:
    db.session.add(LoginAttempt(username=username[:60], address=address[:64], at=clock.now(), success=success))
