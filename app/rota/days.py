"""Saturdays and months of the rota. Duties are planned by the centre's local
date (app.clock turns stored UTC moments into local days and back)."""
from __future__ import annotations

from datetime import date, timedelta

SATURDAY = 5  # date.weekday()


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
    return month_of(value) or (default.year, default.month)


def month_of(value: str | None) -> tuple[int, int] | None:
    """"2026-12" → (2026, 12); None when it names no month."""
    try:
        year, month = (int(part) for part in str(value or "").split("-"))
    except ValueError:
        return None
    return (year, month) if 2000 <= year <= 2100 and 1 <= month <= 12 else None
