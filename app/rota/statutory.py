"""The statutory holidays as the rota sees them: the State Council's notices
(app/workdays.py: the chinesecalendar package's days and those the admin
enters at /admin/calendar). They close every room for planning, so the
rota's holidays page shows them, read-only, beside the rota's own; a 调休
working Saturday is planned like any other."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from .. import workdays
from .days import saturdays


@dataclass(frozen=True)
class Statutory:
    holidays: list[tuple[str, date, date]]  # festivals: name, first and last day
    working_saturdays: list[tuple[date, str]]  # 调休 Saturdays, with the festival they pay for
    unentered: dict[int, list[str]]  # years the calendar lacks, with the festivals still to enter


def statutory(first: date, last: date) -> Statutory:
    calendar = workdays.load(first, last)
    return Statutory(
        holidays=workdays.holiday_runs(first, last),
        working_saturdays=[(day, calendar.kind(day)[1]) for day in saturdays(first, last)
                           if calendar.is_swapped_workday(day)],
        unentered=workdays.notice_gaps(first, last))
