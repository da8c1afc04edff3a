"""Where a user acts on the rota, as a rule on plain values (the models'
visible_to and the queries in scope.py both read it; it reads neither).

Rooms belong to a community, and so to a street. A street's coordinators
and supervisors act within their street: its rooms, the duties and swaps in
those rooms, the consultations held there, its holidays. A city-level
coordinator or supervisor (an account with no street) and the administrator
act across the city. The volunteer lawyers are one pool for the whole city
(a lawyer has no place of their own: the planner seats any of them in any
room, and swaps go between any two), so lawyers are not scoped by street:
they see the whole rota, as the public board does, and act only on their own
duties and swaps (the workflows' guards).
"""

CITY = None
STREET_ROLES = ("coordinator", "supervisor")


def street_of(user) -> int | None:
    """The street whose rota this user's pages cover, or CITY (None) for
    the whole city."""
    if getattr(user, "role", None) in STREET_ROLES:
        return getattr(user, "street_id", None) or CITY
    return CITY


def is_city_level(user) -> bool:
    return street_of(user) is CITY


def sees_street(user, street_id: int | None) -> bool:
    """Whether the rota rows of this street are within the user's reach."""
    own = street_of(user)
    return own is CITY or own == street_id
