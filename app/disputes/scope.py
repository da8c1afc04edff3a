"""Who may see which cases: one rule for single rows and for list queries."""
from sqlalchemy import false, true

from .models import Dispute

# role -> the case column that must equal the user's attribute of the same name
SCOPE_COLUMN = {"supervisor": "street_id", "mediator": "community_id", "gridworker": "grid_id"}
EVERYTHING = object()


def _rule(user):
    """EVERYTHING, (column, value), or None (nothing) for this user."""
    role = getattr(user, "role", None)
    if role == "admin":
        return EVERYTHING
    if role == "supervisor" and not getattr(user, "street_id", None):
        return EVERYTHING  # a city supervisor (督导, 市): no street, the whole city
    column = SCOPE_COLUMN.get(role)
    value = getattr(user, column, None) if column else None
    return (column, value) if value else None


def scope_clause(user):
    rule = _rule(user)
    if rule is EVERYTHING:
        return true()
    if rule is None:
        return false()
    column, value = rule
    return getattr(Dispute, column) == value


def can_see(user, dispute) -> bool:
    rule = _rule(user)
    if rule is EVERYTHING or rule is None:
        return rule is EVERYTHING
    column, value = rule
    return getattr(dispute, column) == value
