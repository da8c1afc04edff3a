"""The elders' work on the "today" page: an elder's open invitations (due:
when they expire), accepted sessions and reports to file; a mediator's
invitations still waiting for an answer, reports to confirm, and accepted
elders whose session has come, to record whether they came."""
from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import and_, or_, select

from ..disputes.models import Dispute, dispute_mediators
from ..engine.deadlines import colour
from ..extensions import db
from ..today import TodayItem
from .models import Elder, ElderAssignment
from .wording import place_of

ELDER_STATES = ("invited", "accepted", "in_session")
MEDIATOR_STATES = ("invited", "reported")


def _title(a: ElderAssignment, for_elder: bool) -> str:
    name = a.dispute.title
    if a.state == "invited":
        return (_("Answer the invitation for case %(case)s", case=name) if for_elder
                else _("%(elder)s has not answered yet (case %(case)s)", elder=a.elder.name, case=name))
    if a.state == "accepted" and not for_elder:
        return _("Record whether %(elder)s came to the session (case %(case)s)", elder=a.elder.name, case=name)
    if a.state == "accepted":
        return _("Mediation session for case %(case)s", case=name)
    if a.state == "in_session":
        return _("File your report on case %(case)s", case=name)
    return _("Confirm %(elder)s's report on case %(case)s", elder=a.elder.name, case=name)


def elder_work(user, now, until) -> list[TodayItem]:
    query = select(ElderAssignment).join(Elder, Elder.id == ElderAssignment.elder_id)
    if user.role == "elder":
        query = query.where(Elder.user_id == user.id, ElderAssignment.state.in_(ELDER_STATES))
        for_elder = True
    elif user.role == "mediator":
        theirs = select(dispute_mediators.c.dispute_id).where(dispute_mediators.c.user_id == user.id)
        query = (query.join(Dispute, Dispute.id == ElderAssignment.dispute_id)
                 .where(or_(ElderAssignment.state.in_(MEDIATOR_STATES),
                            and_(ElderAssignment.state == "accepted", ElderAssignment.session_at <= now)),
                        or_(Dispute.assignee_id == user.id, Dispute.id.in_(theirs),
                            ElderAssignment.invited_by_id == user.id)))
        for_elder = False
    else:
        return []
    query = query.where(or_(ElderAssignment.due_at.is_(None), ElderAssignment.due_at <= until))
    items = []
    for a in db.session.execute(query.order_by(ElderAssignment.due_at, ElderAssignment.id)).scalars():
        url = (url_for("elders.invitation", assignment_id=a.id) if for_elder
               else url_for("disputes.show", case_id=a.dispute_id, _anchor="elders"))
        # An elder going to a session is told where, or that the mediator will tell them.
        where = place_of(a) if for_elder and a.state in ("invited", "accepted") else a.session_place or ""
        items.append(TodayItem("elder_invitation", _title(a, for_elder), a.due_at, colour(a, now), url, where))
    return items
