"""Who may see which cases: one rule for single rows and for list queries."""
from sqlalchemy import false, true

from .models import Dispute


def scope_clause(user):
    role = getattr(user, "role", None)
    if role == "admin":
        return true()
    if role == "supervisor" and user.street_id:
        return Dispute.street_id == user.street_id
    if role == "mediator" and user.community_id:
        return Dispute.community_id == user.community_id
    if role == "gridworker" and user.grid_id:
        return Dispute.grid_id == user.grid_id
    return false()


def can_see(user, dispute) -> bool:
    role = getattr(user, "role", None)
    if role == "admin":
        return True
    if role == "supervisor":
        return bool(user.street_id) and dispute.street_id == user.street_id
    if role == "mediator":
        return bool(user.community_id) and dispute.community_id == user.community_id
    if role == "gridworker":
        return bool(user.grid_id) and dispute.grid_id == user.grid_id
    return False
