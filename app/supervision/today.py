"""A supervisor's reviews on the "today" page: the closures awaiting sign-off
in their scope, due within the period asked for (or overdue), folded into one
line a section ("12 closures awaiting review → sign off several") that leads
to the bulk sign-off page.

One line, not a row each: a review is routine reading, signed off in batches
on that page, and a queue of a year's reviews listed row by row pushed what
needs acting on now (late referrals, follow-ups and cases) screens down."""
from flask import url_for
from flask_babel import ngettext
from sqlalchemy import select

from ..today import SECTIONS, TodayItem, section_totals
from .models import SignOff
from .scope import is_city_level


def reviews_due(user, now, until) -> list[TodayItem]:
    """One item for each section holding reviews, counting them (one statement)."""
    if user.role != "supervisor":
        return []
    query = select(SignOff).where(SignOff.state == "awaiting", SignOff.due_at <= until)
    if not is_city_level(user):
        query = query.where(SignOff.street_id == user.street_id)
    totals = section_totals(query, SignOff, now)
    return [_folded(totals[section], section) for section in SECTIONS if totals.get(section)]


def _folded(count: int, section: str) -> TodayItem:
    return TodayItem("signoff", ngettext("%(num)d closure awaiting review → Sign off several closures",
                                         "%(num)d closures awaiting review → Sign off several closures", count),
                     None, "red" if section == "overdue" else None, url_for("supervision.bulk_sign_off"),
                     count=count, section=section)
