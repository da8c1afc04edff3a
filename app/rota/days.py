"""Saturdays and local days. Duties are planned by local (Asia/Shanghai)
date; the database keeps moments in naive UTC, as everywhere else."""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app

SATURDAY = 5  # date.weekday()
DEFAULT_TZ = "Asia/Shanghai"


def tz() -> ZoneInfo:
    try:
        return ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE", DEFAULT_TZ))
    except RuntimeError:  # outside an application (the planner's own tests)
        return ZoneInfo(DEFAULT_TZ)


def local_day(moment: datetime) -> date:
    """The local date of a naive UTC moment."""
    return moment.replace(tzinfo=UTC).astimezone(tz()).date()


def to_utc(day: date, at: time) -> datetime:
    """A local date and time as a naive UTC moment."""
    return datetime.combine(day, at, tzinfo=tz()).astimezone(UTC).replace(tzinfo=None)


def day_end(day: date) -> datetime:
    """Midnight after the local day, in naive UTC: when a duty's day is over."""
    return to_utc(day + timedelta(days=1), time(0))


def day_start(day: date) -> datetime:
    return to_utc(day, time(0))


def saturdays(first: date, last: date) -> list[date]:
    """Every Saturday from `first` to `last`, both included."""
    day = first + timedelta(days=(SATURDAY - first.weekday()) % 7)
    found = []
    while day <= last:
        found.append(day)
        day += timedelta(days=7)
    return found


def month_bounds(year: int, month: int) -> tuple[date, date]:
    first = date(year, month, 1)
    following = date(year + (month == 12), month % 12 + 1, 1)
    return first, following - timedelta(days=1)


def parse_month(value: str | None, default: date) -> tuple[int, int]:
    """"2026-12" → (2026, 12); anything else gives the default's month."""
    try:
        year, month = (int(part) for part in str(value or "").split("-"))
        if 2000 <= year <= 2100 and 1 <= month <= 12:
            return year, month
    except ValueError:
        pass
    return default.year, default.month
