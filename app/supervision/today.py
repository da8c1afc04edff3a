"""A supervisor's reviews on the "today" page: closures awaiting sign-off in
their scope, due within the period asked for (or overdue)."""
from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import select

from ..engine.deadlines import colour
from ..extensions import db
from ..today import TodayItem
from .models import SignOff
from .scope import is_city_level

LIMIT = 50  # the page links to the full queue beyond this


def reviews_due(user, now, until) -> list[TodayItem]:
    if user.role != "supervisor":
        return []
    query = select(SignOff).where(SignOff.state == "awaiting", SignOff.due_at <= until)
    if not is_city_level(user):
        query = query.where(SignOff.street_id == user.street_id)
    items = []
    for review in db.session.execute(query.order_by(SignOff.due_at, SignOff.id).limit(LIMIT)).scalars():
        items.append(TodayItem(
            "signoff", _("Review the closure of case %(case)s", case=review.dispute.title), review.due_at,
            colour(review, now), url_for("supervision.case", case_id=review.dispute_id),
            detail=review.summary[:80]))
    return items
