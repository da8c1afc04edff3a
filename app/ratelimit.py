"""Counting events per key in the database (so limits hold across workers),
e.g. public reports per address."""
from datetime import datetime, timedelta

from sqlalchemy import DateTime, Index, String, func, select
from sqlalchemy.orm import Mapped, mapped_column

from . import clock
from .extensions import db


class RateEvent(db.Model):
    __tablename__ = "rate_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    key: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime)

    __table_args__ = (Index("ix_rate_events_kind_key_at", "kind", "key", "at"),)


def over_limit(kind: str, key: str, limit: int, window: timedelta) -> bool:
    since = clock.now() - window
    count = db.session.execute(
        select(func.count(RateEvent.id)).where(RateEvent.kind == kind, RateEvent.key == key, RateEvent.at >= since)
    ).scalar()
    return count >= limit


def minutes_to_wait(kind: str, key: str, limit: int, window: timedelta) -> int:
    """Whole minutes (at least 1) until a key over its limit may act again:
    when the oldest of its last `limit` events leaves the window."""
    now = clock.now()
    oldest_counted = db.session.execute(
        select(RateEvent.at).where(RateEvent.kind == kind, RateEvent.key == key, RateEvent.at >= now - window)
        .order_by(RateEvent.at.desc()).offset(max(limit - 1, 0)).limit(1)
    ).scalar()
    if oldest_counted is None:
        return 1
    seconds = (oldest_counted + window - now).total_seconds()
    return max(1, -(-int(seconds) // 60))


def note(kind: str, key: str) -> None:
    """Add one event; the caller commits with the rest of its work."""
    db.session.add(RateEvent(kind=kind, key=key[:64], at=clock.now()))
