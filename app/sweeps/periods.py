"""Sweep periods: a community sweeps each week, the street each month
(SWEEP_PERIODS), as people in the centre count them: in its time zone
(the local days of app/clock.py).
"""
from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app

from ..clock import day_start

PERIODS = ("week", "month")


@dataclass(frozen=True)
class Period:
    first: date
    last: date

    @property
    def starts_at(self) -> datetime:
        return day_start(self.first)

    @property
    def ends_at(self) -> datetime:
        """Midnight after the last day: from then on the period has passed."""
        return day_start(self.last + timedelta(days=1))

    def __contains__(self, day: date) -> bool:
        return self.first <= day <= self.last


def period_of(kind: str, day: date) -> Period:
    """The week (Monday to Sunday) or calendar month holding `day`."""
    if kind == "week":
        first = day - timedelta(days=day.weekday())
        return Period(first, first + timedelta(days=6))
    if kind == "month":
        last = calendar.monthrange(day.year, day.month)[1]
        return Period(day.replace(day=1), day.replace(day=last))
    raise ValueError(f"unknown sweep period {kind!r}; use one of {PERIODS}")


def previous(kind: str, period: Period) -> Period:
    return period_of(kind, period.first - timedelta(days=1))


def sweep_period_kind(level: str) -> str:
    """How often a community (or the street) sweeps: SWEEP_PERIODS setting."""
    kind = current_app.config["SWEEP_PERIODS"][level]
    if kind not in PERIODS:
        raise ValueError(f"SWEEP_PERIODS[{level!r}] is {kind!r}; use one of {PERIODS}")
    return kind
