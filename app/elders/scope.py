"""Whose elders a user keeps or reads: a street's coordinator or supervisor
those of their street; a coordinator or supervisor of the whole city (an
account with no street, app/auth/accounts.STREET_OR_CITY) and the
administrator every street's, as on the rota (app/rota/scope_rule.py)."""
from __future__ import annotations

from sqlalchemy import true

from ..auth.accounts import STREET_OR_CITY


def covers_whole_city(user) -> bool:
    role = getattr(user, "role", None)
    return role == "admin" or (role in STREET_OR_CITY and not getattr(user, "street_id", None))


def covers_street(user, street_id) -> bool:
    return covers_whole_city(user) or getattr(user, "street_id", None) == street_id


def street_clause(column, user):
    """`column` (a street id) within `user`'s streets, as SQL."""
    return true() if covers_whole_city(user) else column == user.street_id
