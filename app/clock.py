"""The one clock of the application, and the centre's local time.

Moments are stored as naive UTC in both databases; people in the centre count
days, weeks and months where they are. Every conversion between the two goes
through the helpers here, which take the centre's zone from the app's
BABEL_DEFAULT_TIMEZONE (the zone Flask-Babel formats dates in), so that what
the pages show and what the queries count agree. Tests move time with
set_now(). Imports nothing of the application: every layer may use it.
"""
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

# The zone outside an application (a bare script, the planner's own tests).
DEFAULT_ZONE = "Asia/Shanghai"
_ZONE_KEY = "clock.zone"

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
    """The centre's time zone: read from the app's config the first time an
    app asks, then kept with that app."""
    if not has_app_context():
        return ZoneInfo(DEFAULT_ZONE)
    kept = current_app.extensions.get(_ZONE_KEY)
    if kept is None:
        kept = ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE") or DEFAULT_ZONE)
        current_app.extensions[_ZONE_KEY] = kept
    return kept


def to_local(moment: datetime) -> datetime:
    """A stored (naive UTC) moment as an aware local datetime."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zone())


def to_utc(moment: datetime) -> datetime:
    """A local moment as stored: naive UTC. A naive value is read as the
    centre's local time (what a form field gives); an aware one is converted."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone())
    return moment.astimezone(UTC).replace(tzinfo=None)


def local_now() -> datetime:
    """now(), as a naive local datetime (a form's default value)."""
    return to_local(now()).replace(tzinfo=None)


def local_date(moment: datetime) -> date:
    """The centre's calendar day of a stored (naive UTC) moment."""
    return to_local(moment).date()


def today() -> date:
    return local_date(now())


def at_local(day: date, at: time) -> datetime:
    """A local date and clock time, as stored (naive UTC)."""
    return to_utc(datetime.combine(day, at))


def day_start(day: date) -> datetime:
    """The stored (naive UTC) moment at which a local day begins."""
    return at_local(day, time.min)


def day_end(day: date) -> datetime:
    """Midnight after the local day, as stored: the exclusive end of `day`."""
    return day_start(day + timedelta(days=1))


def last_day(deadline: datetime) -> date:
    """The local day a stored deadline is the end of: one at local midnight
    (`day_end`: a whole-day period, or one moved off a rest day) ends the
    day before; any other moment ends its own day."""
    local = to_local(deadline)
    return local.date() - timedelta(days=1) if local.time() == time(0) else local.date()


def ends_a_day(deadline: datetime) -> bool:
    """Whether a stored deadline is the end of a whole local day (midnight)."""
    return to_local(deadline).time() == time(0)


def on_local_days(column, first: date | None, last: date | None) -> list:
    """Conditions that a stored (naive UTC) moment in `column` falls on the
    local days from `first` to `last`, both included; either may be open.
    For a query's `.where(*...)`: a date-range filter of any list."""
    conditions = []
    if first:
        conditions.append(column >= day_start(first))
    if last:
        conditions.append(column < day_end(last))
    return conditions


def utc_offset_hours(at: datetime | None = None) -> int:
    """Whole hours the centre is ahead of UTC at `at` (a naive UTC moment;
    by default a fixed one, for a zone without summer time)."""
    at = at or datetime(2026, 1, 1)
    return int(to_local(at).utcoffset().total_seconds() // 3600)
