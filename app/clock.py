"""The one clock of the application, in UTC, so tests can move time; and the
centre's calendar days, in its time zone (BABEL_DEFAULT_TIMEZONE,
Asia/Shanghai). Stored moments are naive UTC."""
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from flask import current_app

_fixed: datetime | None = None


def now() -> datetime:
    """Naive UTC datetime (stored as such in both databases)."""
    if _fixed is not None:
        return _fixed
    return datetime.now(UTC).replace(tzinfo=None)


def set_now(value: datetime | None) -> None:
    global _fixed
    _fixed = value


def zone() -> ZoneInfo:
    return ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Asia/Shanghai"))


def local_date(moment: datetime) -> date:
    """The centre's calendar day of a stored (naive UTC) moment."""
    return moment.replace(tzinfo=UTC).astimezone(zone()).date()


def day_starts_at(day: date) -> datetime:
    """The stored (naive UTC) moment at which a local day begins."""
    return datetime.combine(day, time.min, tzinfo=zone()).astimezone(UTC).replace(tzinfo=None)
