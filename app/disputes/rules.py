"""Guards and effects of the dispute workflow (see workflows/dispute.py)."""
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import insert, select, update

from ..auth.models import User
from ..engine.hooks import effect, guard
from ..extensions import db
from .models import FileCounter

MAX_EXTENSION_DAYS = 60


@guard("has_parties")
def has_parties(dispute, actor, data):
    if not dispute.parties:
        return _l("Register at least one party before accepting the case.")
    return None


@guard("assignee_in_scope")
def assignee_in_scope(dispute, actor, data):
    if data is None:
        return None
    try:
        user = db.session.get(User, int(data.get("mediator_id")))
    except (TypeError, ValueError):
        user = None
    if user is None or user.role != "mediator" or not user.active:
        return _l("Choose an active mediator.")
    if user.community_id != dispute.community_id:
        return _l("The mediator must belong to the case's community.")
    return None


@guard("is_assignee")
def is_assignee(dispute, actor, data):
    if dispute.assignee_id is not None and dispute.assignee_id != actor.id:
        return _l("Only the assigned mediator may do this.")
    return None


@guard("extension_days_valid")
def extension_days_valid(dispute, actor, data):
    if data is None:
        return None
    try:
        days = int(data.get("days"))
    except (TypeError, ValueError):
        days = 0
    if not 1 <= days <= MAX_EXTENSION_DAYS:
        return _l("An extension is between 1 and %(max)s days.", max=MAX_EXTENSION_DAYS)
    return None


def _next_file_seq(year: int) -> int:
    session = db.session
    bumped = session.execute(
        update(FileCounter).where(FileCounter.year == year).values(last=FileCounter.last + 1)
        .returning(FileCounter.last)
    ).scalar()
    if bumped is not None:
        return bumped
    # First case of the year. A concurrent first accept on PostgreSQL makes
    # one of the two inserts fail; it is rolled back and retried by the user.
    session.execute(insert(FileCounter).values(year=year, last=1))
    return 1


@effect("dispute", "accept")
def number_the_file(dispute, actor, data, now):
    year = now.year
    seq = _next_file_seq(year)
    prefix = current_app.config.get("FILE_NO_PREFIX", "莱人调字")
    dispute.file_year = year
    dispute.file_seq = seq
    dispute.file_no = f"({year}){prefix}第{seq}号"


@effect("dispute", "assign")
def set_assignee(dispute, actor, data, now):
    dispute.assignee_id = int(data["mediator_id"])


@effect("dispute", "recuse")
def clear_assignee(dispute, actor, data, now):
    dispute.assignee_id = None


@effect("dispute", "reject")
@effect("dispute", "fail")
def record_route(dispute, actor, data, now):
    dispute.route = data["route"]


@effect("dispute", "resolve_on_spot")
def record_outcome(dispute, actor, data, now):
    dispute.outcome = data["outcome"]


@effect("dispute", "agree")
def record_agreement(dispute, actor, data, now):
    dispute.agreement_form = data["form"]
    dispute.agreement_terms = data["terms"]
    dispute.agreed_at = now


@effect("dispute", "close")
def record_closure(dispute, actor, data, now):
    dispute.summary = data["summary"]
    dispute.closed_at = now


def mediators_for(dispute) -> list[User]:
    return list(
        db.session.execute(
            select(User)
            .where(User.role == "mediator", User.active.is_(True), User.community_id == dispute.community_id)
            .order_by(User.display_name)
        ).scalars()
    )
