"""Who sees and who records which sweeps, and whose follow-ups are whose.

Sweeps: community staff (mediators, grid workers) see their community's
sweeps and their street's; street staff (supervisors, coordinators) see every
sweep of their street; administrators see all. A community's sweep is
recorded by its mediators and grid workers, the street's by its supervisors
and coordinators. Follow-ups are seen by whoever sees their case.
"""
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, false, or_, select, true

from ..disputes.models import dispute_mediators
from ..disputes.scope import scope_clause as case_scope_clause  # noqa: F401  (follow-ups: their case's scope)
from .models import FollowUp, Sweep

COMMUNITY_STAFF = ("mediator", "gridworker")
STREET_STAFF = ("supervisor", "coordinator")


def may_see_sweep(user, sweep) -> bool:
    role = getattr(user, "role", None)
    if role == "admin":
        return True
    if role in STREET_STAFF:
        return user.street_id is not None and sweep.street_id == user.street_id
    if role in COMMUNITY_STAFF:
        if sweep.level == "street":
            return user.street_id is not None and sweep.street_id == user.street_id
        return user.community_id is not None and sweep.community_id == user.community_id
    return False


def sweep_scope_clause(user):
    role = getattr(user, "role", None)
    if role == "admin":
        return true()
    if role in STREET_STAFF and user.street_id:
        return Sweep.street_id == user.street_id
    if role in COMMUNITY_STAFF and user.community_id:
        own = Sweep.community_id == user.community_id
        if user.street_id:
            return or_(own, and_(Sweep.level == "street", Sweep.street_id == user.street_id))
        return own
    return false()


def record_refusal(user, level: str, street_id: int, community_id: int | None):
    """Why this user may not record the sweep of this place, or None."""
    role = getattr(user, "role", None)
    if level == "community":
        if role in COMMUNITY_STAFF and user.community_id is not None and user.community_id == community_id:
            return None
        return _l("Only the mediators and grid workers of this community may record its sweeps.")
    if role in STREET_STAFF and user.street_id is not None and user.street_id == street_id:
        return None
    return _l("Only the street's supervisors and coordinators may record the street sweep.")


def works_on_clause(user):
    """Follow-ups of the cases this mediator works on (lead or co-mediator)."""
    from ..disputes.models import Dispute

    co_mediated = select(dispute_mediators.c.dispute_id).where(dispute_mediators.c.user_id == user.id)
    return or_(Dispute.assignee_id == user.id, FollowUp.dispute_id.in_(co_mediated))
