"""Planned session times: stored as naive UTC like every time in the
database, recorded in the audit log as local time with its offset (what the
mediator typed, unambiguous), and judged by the local day (app.clock)."""
from __future__ import annotations

from datetime import UTC, datetime

from .. import clock


def to_utc(value) -> datetime | None:
    """A datetime (naive means UTC) or an ISO string with an offset, as naive
    UTC; None for anything else."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return None
        if value.tzinfo is None:
            return None  # a bare local time in the data would be ambiguous
    if not isinstance(value, datetime):
        return None
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value


def local_iso(utc: datetime) -> str:
    return clock.to_local(utc).isoformat(timespec="minutes")
