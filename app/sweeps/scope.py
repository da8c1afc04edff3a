"""Who sees and who records which sweeps.

Community staff (mediators, grid workers) see their community's sweeps and
their street's; street staff (supervisors, coordinators) see every sweep of
their street; administrators see all. A community's sweep is recorded by its
mediators and grid workers, the street's by its supervisors and
coordinators. The same rule as a query is service.sweep_scope_clause.
"""
from flask_babel import lazy_gettext as _l

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
