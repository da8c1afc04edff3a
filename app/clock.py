"""The one clock of the application, in UTC, so tests can move time."""
from datetime import UTC, datetime

_fixed: datetime | None = None


def now() -> datetime:
    """Naive UTC datetime (stored as such in both databases)."""
    if _fixed is not None:
        return _fixed
    return datetime.now(UTC).replace(tzinfo=None)


def set_now(value: datetime | None) -> None:
    global _fixed
    _fixed = value
