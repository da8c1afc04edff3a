"""Who may see which cases: one rule (visibility.py) for single rows and for
list queries."""
from sqlalchemy import false, true

from .models import Dispute
from .visibility import EVERYTHING, can_see, scope_rule

__all__ = ["can_see", "scope_clause"]


def scope_clause(user):
    rule = scope_rule(user)
    if rule is EVERYTHING:
        return true()
    if rule is None:
        return false()
    column, value = rule
    return getattr(Dispute, column) == value
