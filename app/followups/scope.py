"""Whose follow-ups are whose. Follow-ups are seen by whoever sees their
case (the dispute's scope)."""
from sqlalchemy import or_, select

from ..disputes.models import dispute_mediators
from ..disputes.scope import scope_clause as case_scope_clause  # noqa: F401  (follow-ups: their case's scope)
from .models import FollowUp


def works_on_clause(user):
    """Follow-ups of the cases this mediator works on (lead or co-mediator)."""
    from ..disputes.models import Dispute

    co_mediated = select(dispute_mediators.c.dispute_id).where(dispute_mediators.c.user_id == user.id)
    return or_(Dispute.assignee_id == user.id, FollowUp.dispute_id.in_(co_mediated))
