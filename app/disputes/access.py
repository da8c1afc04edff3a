"""Who may open the case pages, and loading a case (or a row of it) for the
current user: every view that takes a case id from the URL loads it here."""
from flask import abort
from sqlalchemy.orm import joinedload

from ..auth.access import load_visible
from ..extensions import db
from .models import Dispute

INTAKE_ROLES = ("mediator", "gridworker")
CASE_ROLES = ("mediator", "gridworker", "supervisor", "admin")


# What the case page shows of the rows a case points to, joined into the case's
# own query rather than loaded lazily from the template. Its parties and
# co-mediators are joined too (a case has a few of each: the rows multiply to
# parties x co-mediators, fewer calls than a lazy load each). Sessions and
# attachments stay lazy, one statement each: joined, they would multiply the
# rows again; selectinload costs the page about twice the CPU of the lazy loads.
CASE_PAGE_LOADS = (joinedload(Dispute.community), joinedload(Dispute.grid), joinedload(Dispute.assignee),
                   joinedload(Dispute.created_by), joinedload(Dispute.parties), joinedload(Dispute.co_mediators))


def load_case(case_id: int, options=()) -> Dispute:
    """The case, if this user may see it; otherwise 404 (and a log line), so
    guessing ids reveals nothing."""
    return load_visible(Dispute, case_id, "case", options)


def load_child(model, child_id: int, dispute):
    """A row that belongs to this case (party, attachment...), else 404."""
    child = db.session.get(model, child_id)
    if child is None or child.dispute_id != dispute.id:
        abort(404)
    return child
