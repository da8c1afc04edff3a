"""Trends for the statistics page: registered, resolved on the spot and
agreements per month or per week of registration, over the chosen period
and place, with the same definitions as the page's tables (a case counts in
the period it was registered in).

Months come from the dashboard (the maintained counters, or a count of the
cases); weeks (Monday to Sunday, the centre's time) are counted from the
cases, one row per local day, and added up here."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import gettext as _

from .. import clock
from ..disputes.models import Dispute
from ..extensions import db
from ..i18n import count_text
from .scope import Place, Scope
from .sql import local_day
from .stats import Counts, _cohort, _grouped

STEPS = ("month", "week")
SERIES = ("registered", "on_spot", "agreements")


@dataclass
class Trend:
    step: str
    points: list[tuple[str, Counts]]  # (the month "2026-03" or the week's Monday "2026-03-02", its counts)

    def values(self, name: str) -> list[int]:
        return [getattr(c, name) for _, c in self.points]

    def top(self) -> int:
        return max((max(self.values(n), default=0) for n in SERIES), default=0)

    def axis_top(self, ticks: int = 4) -> int:
        """The y axis' top: the largest figure rounded up to a multiple of
        the number of ticks, so that every tick is a whole number of cases."""
        return max(ticks, -(-self.top() // ticks) * ticks)

    def peak(self, name: str) -> tuple[str, int] | None:
        """The first period with the most cases, or None when there are none."""
        best = max(self.points, key=lambda p: getattr(p[1], name), default=None)
        return (best[0], getattr(best[1], name)) if best and getattr(best[1], name) else None


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def weekly(scope: Scope, place: Place, date_from: date, date_to: date, session=None) -> Trend:
    session = session or db.session
    days = _grouped(session, local_day(Dispute.created_at, clock.utc_offset_hours()),
                    _cohort(scope, place, date_from, date_to))
    weeks: dict[date, Counts] = {}
    week = monday(date_from)
    while week <= date_to:
        weeks[week] = Counts()
        week += timedelta(days=7)
    for key, counts in days:
        total = weeks[monday(date.fromisoformat(key))]
        for name in ("registered", "accepted", "agreements", "on_spot"):
            setattr(total, name, getattr(total, name) + getattr(counts, name))
    return Trend("week", [(w.isoformat(), c) for w, c in weeks.items()])


def monthly(by_month: list[tuple[str, Counts]]) -> Trend:
    return Trend("month", list(by_month))


def describe(trend: Trend, labels: dict[str, str]) -> str:
    """The chart in words, for screen readers and for anyone: per line, its
    total over the period and its busiest month or week."""
    if not trend.points:
        return _("No case registered in the period.")
    first, last = trend.points[0][0], trend.points[-1][0]
    if trend.step == "week":
        parts = [_("Cases per week of registration, from the week of %(first)s to the week of %(last)s.",
                   first=first, last=last)]
    else:
        parts = [_("Cases per month of registration, from %(first)s to %(last)s.", first=first, last=last)]
    for name in SERIES:
        peak = trend.peak(name)
        total = sum(trend.values(name))
        if peak is None:
            parts.append(_("%(line)s: none.", line=labels[name]))
        else:
            parts.append(_("%(line)s: %(total)s in all, the most in %(period)s (%(count)s).",
                           line=labels[name], total=count_text(total), period=peak[0], count=count_text(peak[1])))
    return " ".join(parts)
