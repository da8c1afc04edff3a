"""The centre's working calendar: statutory holidays and 调休 working days.

The State Council's notice for each year moves days about: a holiday on a
weekday, a Saturday or Sunday made a working day (调休) to pay for it. The
days come from the `chinesecalendar` package, which ships every notice it
knows; when it lags (a new year's notice out before the package's release),
an admin enters that year's days by hand (`CalendarDay`, written by
app/main/calendar_admin.py, audited there). A hand-entered day never
overrides one the package knows: such an entry is refused when it is made.

A day is a rest day when it is a holiday, or a Saturday or Sunday that is not
a 调休 working day. Civil Code art. 203: a period whose last day is a rest day
(法定休假日) ends at the end of the next working day (`legal_last_day`).

Foundation layer: imports only app.extensions, so that the engine (legal
deadlines) and the rota (Saturday duties) can both use it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from typing import Callable

import chinese_calendar
from jinja2 import pass_context
from sqlalchemy import Date, DateTime, ForeignKey, Integer, String, bindparam, select
from sqlalchemy.orm import Mapped, mapped_column

from .extensions import db
from .i18n import NC_, N_, page_locale, translate

HOLIDAY = "holiday"
WORKDAY = "workday"
KINDS = (HOLIDAY, WORKDAY)
WEEKEND = (5, 6)  # date.weekday(): Saturday, Sunday
# A run of rest days never lasts longer than this (the Spring Festival with
# its weekends is 9 days), so a search for the next working day stops.
LONGEST_REST = 31


class CalendarDay(db.Model):
    """One day of a year's notice entered by hand: a holiday or a 调休
    working day, with the festival's name."""

    __tablename__ = "calendar_days"
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(60))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    # Which entry of the admin page the day came from (its first day's ordinal).
    entry: Mapped[int] = mapped_column(Integer, index=True)


# The package names its festivals in English; the centre's pages and the
# rota's rows carry the Chinese name, as a hand-entered notice does.
CHINESE_NAMES = {h.value: h.chinese for h in chinese_calendar.Holiday}


def library_kind(day: date) -> tuple[str, str] | None:
    """(kind, Chinese festival name) when the package's notices name the day."""
    for kind, days in ((HOLIDAY, chinese_calendar.holidays), (WORKDAY, chinese_calendar.workdays)):
        if day in days:
            return kind, CHINESE_NAMES.get(days[day], days[day])
    return None


@cache
def library_years() -> range:
    """The years whose notices the package knows."""
    days = list(chinese_calendar.holidays)
    return range(min(days).year, max(days).year + 1)


# What other packages do when days become holidays by an entry made by hand
# (app/main/calendar_admin.py): each listener, installed from its package's
# init_app, runs in the entry's transaction as fn(days, actor, name, now) and
# returns a sentence for the admin, or None.
HOLIDAY_LISTENERS: list[Callable] = []


def install_holiday_listener(fn: Callable) -> None:
    if fn not in HOLIDAY_LISTENERS:
        HOLIDAY_LISTENERS.append(fn)


def holidays_entered(days: list[date], actor, name: str, now: datetime) -> list[str]:
    """Tell the listeners that `days` are now holidays named `name`; what they said."""
    return [said for said in (fn(days, actor, name, now) for fn in HOLIDAY_LISTENERS) if said]


# The festivals every year's State Council notice sets (a notice may give two
# one run of days, an entry named "中秋节、国庆节"): the name the pages show,
# and what an entry's name contains to be that festival (the notice's
# Chinese, or the package's English name).
NEW_YEAR = "元旦"
NOTICE_FESTIVALS = (
    (NEW_YEAR, ("元旦", "new year")), ("春节", ("春节", "spring festival")),
    ("清明节", ("清明", "tomb-sweeping", "tomb sweeping", "qingming")), ("劳动节", ("劳动", "labour", "labor")),
    ("端午节", ("端午", "dragon boat")), ("中秋节", ("中秋", "mid-autumn", "mid autumn")),
    ("国庆节", ("国庆", "national day")),
)


def festivals_named(name: str) -> list[str]:
    """The festivals of a notice an entry's name stands for."""
    folded = name.casefold()
    return [shown for shown, keys in NOTICE_FESTIVALS if any(key in folded for key in keys)]


# The festivals' names in the pages' languages: the calendar names them in
# Chinese (the package's names, or the notice's as entered by hand).
FESTIVAL_LABELS = {
    "元旦": N_("New Year's Day"), "春节": N_("Spring Festival"), "清明节": N_("Tomb-sweeping Day"),
    "劳动节": N_("Labour Day"), "端午节": N_("Dragon Boat Festival"), "中秋节": N_("Mid-Autumn Festival"),
    "国庆节": N_("National Day"),
}
LIST_SEPARATOR = NC_("list separator", ", ")
# What a name made only of festivals is split at ("中秋节、国庆节", "Mid-Autumn Festival, National Day").
_BETWEEN_FESTIVALS = re.compile(r"\s*[、,，;；/]\s*|\s+(?:and|和|与)\s+")


def festival_label(name: str, locale: str) -> str:
    """A holiday's name in the page's language when it is only the names of
    festivals (the package's, or a notice's as entered in either language:
    "春节", "中秋节、国庆节", "Spring Festival"); any other name (a room's
    closure, a notice's name with more in it) as it was entered."""
    parts = [p for p in _BETWEEN_FESTIVALS.split(name.strip()) if p]
    found = [festivals_named(p) for p in parts]
    if not parts or any(len(f) != 1 or not _only_festival(p, f[0]) for p, f in zip(parts, found)):
        return name
    return translate(LIST_SEPARATOR, locale).join(translate(FESTIVAL_LABELS[f[0]], locale) for f in found)


def init_app(app) -> None:
    """Templates say a holiday's name in the page's language: `name|festival`."""
    @pass_context
    def festival(context, name):
        return festival_label(name, page_locale(context)) if name else name

    app.jinja_env.filters["festival"] = festival


def _only_festival(part: str, festival: str) -> bool:
    """`part` names the festival and nothing else (its keys, with 节/日/day/festival at most)."""
    rest = part.casefold()
    for key in dict(NOTICE_FESTIVALS)[festival]:
        rest = rest.replace(key, "")
    return rest.strip(" '’s") in ("", "节", "日", "day", "festival", "'s day")


def notice_year(festival: str, day: date) -> int:
    """The year whose notice sets `day` off for `festival`: a New Year's
    holiday may begin in December (the 2023 notice's ran from 31 December
    2022 to 2 January 2023), and those days are the next year's."""
    return day.year + 1 if festival == NEW_YEAR and day.month == 12 else day.year


def notice_gaps(first: date, last: date) -> dict[int, list[str]]:
    """For each year from `first`'s to `last`'s whose notice the package does
    not know, the festivals of its notice with no holiday entered by hand in
    that year (all of them for a year not begun): a year is entered once
    every festival is, so that a notice entered in part is still asked for."""
    known = library_years()
    years = [year for year in range(first.year, last.year + 1) if year not in known]
    if not years:
        return {}
    rows = db.session.execute(select(CalendarDay.day, CalendarDay.name).where(
        CalendarDay.kind == HOLIDAY, CalendarDay.day >= date(years[0] - 1, 12, 1),
        CalendarDay.day <= date(years[-1], 12, 31))).all()
    entered: dict[int, set[str]] = {year: set() for year in years}
    for day, name in rows:
        for festival in festivals_named(name):
            year = notice_year(festival, day)
            if year in entered:  # a year the package has learnt since its days were entered lies between
                entered[year].add(festival)
    gaps = {year: [shown for shown, _keys in NOTICE_FESTIVALS if shown not in entered[year]] for year in years}
    return {year: missing for year, missing in gaps.items() if missing}


def unentered_years(first: date, last: date) -> list[int]:
    """The years from `first`'s to `last`'s whose notice the package does not
    know and is not entered by hand in full (`notice_gaps`): their legal
    periods count weekends only on the festivals not entered, and the rota
    sees none of those."""
    return list(notice_gaps(first, last))


@dataclass(frozen=True)
class Calendar:
    """The days named for a range: the package's and those entered by hand
    (read once, so that a month of the rota asks the database once)."""

    manual: dict[date, tuple[str, str]]

    def kind(self, day: date) -> tuple[str, str] | None:
        return library_kind(day) or self.manual.get(day)

    def is_rest_day(self, day: date) -> bool:
        named = self.kind(day)
        if named is not None:
            return named[0] == HOLIDAY
        return day.weekday() in WEEKEND

    def holiday_name(self, day: date) -> str | None:
        named = self.kind(day)
        return named[1] if named and named[0] == HOLIDAY else None

    def is_swapped_workday(self, day: date) -> bool:
        """A Saturday or Sunday made a working day by the notice (调休)."""
        named = self.kind(day)
        return named is not None and named[0] == WORKDAY and day.weekday() in WEEKEND

    def legal_last_day(self, day: date) -> date:
        """Civil Code art. 203: the last day of a period, moved to the next
        working day when it falls on a rest day."""
        moved = day
        while self.is_rest_day(moved) and (moved - day).days < LONGEST_REST:
            moved += timedelta(days=1)
        return moved


# Built once: every deadline shown reads it.
_DAYS = select(CalendarDay.day, CalendarDay.kind, CalendarDay.name).where(
    CalendarDay.day >= bindparam("first"), CalendarDay.day <= bindparam("last"))


def load(first: date, last: date) -> Calendar:
    """The calendar from `first` to `last` (and a month beyond, for a period
    that runs past `last` into a holiday)."""
    # Read in the middle of a step (the engine's deadline): flushing the
    # step's half-made row here would bump its version twice.
    with db.session.no_autoflush:
        rows = db.session.execute(_DAYS, {"first": first, "last": last + timedelta(days=LONGEST_REST)}).all()
    return Calendar({row.day: (row.kind, row.name) for row in rows})


def legal_last_day(day: date) -> date:
    return load(day, day).legal_last_day(day)


def statutory_holidays(first: date, last: date) -> dict[date, str]:
    """The holidays from `first` to `last`, by day, with their names."""
    calendar = load(first, last)
    found, day = {}, first
    while day <= last:
        name = calendar.holiday_name(day)
        if name:
            found[day] = name
        day += timedelta(days=1)
    return found


def holiday_runs(first: date, last: date) -> list[tuple[str, date, date]]:
    """The holidays from `first` to `last` as festivals: (name, first day,
    last day) of each run of consecutive days of one name."""
    days = statutory_holidays(first, last)
    runs: list[list] = []
    for day in sorted(days):
        if runs and runs[-1][0] == days[day] and runs[-1][2] == day - timedelta(days=1):
            runs[-1][2] = day
        else:
            runs.append([days[day], day, day])
    return [(name, begins, ends) for name, begins, ends in runs]
