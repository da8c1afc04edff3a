"""The follow-ups on the today page (installed by the package's init_app)."""
from __future__ import annotations

from flask import url_for
from flask_babel import format_date, gettext as _
from sqlalchemy import or_, select
from sqlalchemy.orm import contains_eager

from workflows.followup import OPEN

from ..clock import local_date
from ..disputes.models import Dispute
from ..disputes.scope import scope_clause
from ..engine.deadlines import colour, late_states
from ..extensions import db
from ..i18n import translate
from ..today import TodayItem
from .models import FollowUp
from .scope import works_on_clause


def _followup_title(row: FollowUp) -> str:
    return _("Follow-up of case %(case)s", case=row.dispute.title)


def _followup_detail(row: FollowUp) -> str:
    state = translate(row.__workflow__.state(row.state).label)
    return _("%(state)s · planned for %(day)s", state=state, day=format_date(local_date(row.planned_for), "medium"))


def followups_due(user, now, until) -> list[TodayItem]:
    """A mediator's follow-ups of the cases they work on; a supervisor's
    escalated follow-ups in their street."""
    if user.role not in ("mediator", "supervisor"):
        return []
    query = (select(FollowUp).join(Dispute, Dispute.id == FollowUp.dispute_id)
             .where(scope_clause(user), FollowUp.state.in_(OPEN))
             .options(contains_eager(FollowUp.dispute)))
    late = late_states(FollowUp.__workflow__)
    if user.role == "mediator":
        query = query.where(works_on_clause(user), or_(FollowUp.due_at < until, FollowUp.state.in_(late)))
    else:
        query = query.where(FollowUp.state == "escalated")
    rows = db.session.execute(query.order_by(FollowUp.due_at, FollowUp.id).limit(200)).scalars()
    # A late follow-up's own due time is its escalation; the user needs the deadline it missed.
    return [TodayItem(kind="followup", title=_followup_title(row),
                      due_at=row.visit_by if row.state in late else row.due_at, colour=colour(row, now),
                      url=url_for("followups.show", followup_id=row.id), detail=_followup_detail(row),
                      open_since=row.planned_for if row.state != "scheduled" else None)
            for row in rows]
