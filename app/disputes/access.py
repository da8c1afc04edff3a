"""Who may open the case pages, and loading a case (or a row of it) for the
current user: every view that takes a case id from the URL loads it here."""
from flask import abort
from flask_login import current_user
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from ..auth.access import load_visible, refuse
from ..extensions import db
from .models import Attachment, Dispute, MediationSession

INTAKE_ROLES = ("mediator", "gridworker")
CASE_ROLES = ("mediator", "gridworker", "supervisor", "admin")


# What the case page shows of the rows a case points to, joined into the case's
# own query rather than loaded lazily from the template. Its parties and
# co-mediators are joined too (a case has a few of each: the rows multiply to
# parties x co-mediators, fewer calls than a lazy load each). Sessions and
# attachments are one statement each (below): joined, they would multiply the
# rows again; selectinload costs the page about twice the CPU of lazy loads.
CASE_PAGE_LOADS = (joinedload(Dispute.community), joinedload(Dispute.grid), joinedload(Dispute.assignee),
                   joinedload(Dispute.created_by), joinedload(Dispute.parties), joinedload(Dispute.co_mediators))
# Built once: session.get with these options built the statement and its cache
# key on every view of the page.
_CASE_PAGE = select(Dispute).options(*CASE_PAGE_LOADS).where(Dispute.id == bindparam("case_id"))
# The case's sessions (with who recorded each) and attachments, as its lazy
# loads would read them, but from statements built once: a lazy load builds
# its statement and cache key each time, about half again the CPU.
_SESSIONS = (select(MediationSession).options(joinedload(MediationSession.recorded_by))
             .where(MediationSession.dispute_id == bindparam("case_id")).order_by(MediationSession.held_at))
_ATTACHMENTS = select(Attachment).where(Attachment.dispute_id == bindparam("case_id")).order_by(Attachment.id)


def load_case(case_id: int, options=()) -> Dispute:
    """The case, if this user may see it; otherwise 404 (and a log line), so
    guessing ids reveals nothing."""
    return load_visible(Dispute, case_id, "case", options)


def load_case_page(case_id: int) -> Dispute:
    """As load_case, with what the case page shows (CASE_PAGE_LOADS)."""
    dispute = db.session.execute(_CASE_PAGE, {"case_id": case_id}).unique().scalar_one_or_none()
    if dispute is None or not dispute.visible_to(current_user):
        refuse("case", case_id)
    # Both collections are view-only: set as loaded, as their lazy loads would.
    for key, statement in (("sessions", _SESSIONS), ("attachments", _ATTACHMENTS)):
        set_committed_value(dispute, key, db.session.execute(statement, {"case_id": case_id}).scalars().all())
    return dispute


def load_child(model, child_id: int, dispute):
    """A row that belongs to this case (party, attachment...), else 404."""
    child = db.session.get(model, child_id)
    if child is None or child.dispute_id != dispute.id:
        abort(404)
    return child
