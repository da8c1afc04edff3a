"""A supervisor's reviews on the "today" page: closures awaiting sign-off in
their scope, due within the period asked for (or overdue)."""
from flask import url_for
from flask_babel import gettext as _, ngettext
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..engine.deadlines import colour
from ..extensions import db
from ..today import TodayItem, rest_items, section_totals
from .models import SignOff
from .scope import is_city_level

# The oldest due first; the rest are counted in their sections and lead to
# the sign-off queue, which lists them all.
LIMIT = 50


def reviews_due(user, now, until) -> list[TodayItem]:
    if user.role != "supervisor":
        return []
    query = select(SignOff).where(SignOff.state == "awaiting", SignOff.due_at <= until)
    if not is_city_level(user):
        query = query.where(SignOff.street_id == user.street_id)
    rows = db.session.execute(query.options(joinedload(SignOff.dispute)).order_by(SignOff.due_at, SignOff.id)
                              .limit(LIMIT + 1)).scalars().all()
    items = [TodayItem("signoff", _("Review the closure of case %(case)s", case=review.dispute.title),
                       review.due_at, colour(review, now), url_for("supervision.case", case_id=review.dispute_id),
                       detail=review.summary[:80])
             for review in rows[:LIMIT]]
    if len(rows) > LIMIT:
        items += rest_items(items, section_totals(query, SignOff, now), now, _rest_of_queue)
    return items


def _rest_of_queue(count: int, section: str) -> TodayItem:
    return TodayItem("signoff", ngettext("%(num)d more closure awaits your review: see “Sign off several closures”",
                                         "%(num)d more closures await your review: see “Sign off several closures”",
                                         count),
                     None, "red" if section == "overdue" else None, url_for("supervision.bulk_sign_off"),
                     count=count, section=section)
