"""Who may see which cases, as a rule on plain values: the case model
(visible_to) and the list queries (scope.py) both read it, and it reads
neither, so neither imports the other."""

# role -> the case column that must equal the user's attribute of the same name
SCOPE_COLUMN = {"supervisor": "street_id", "mediator": "community_id", "gridworker": "grid_id"}
EVERYTHING = object()


def scope_rule(user):
    """EVERYTHING, (column, value), or None (nothing) for this user."""
    role = getattr(user, "role", None)
    if role == "admin":
        return EVERYTHING
    if role == "supervisor" and not getattr(user, "street_id", None):
        return EVERYTHING  # a city supervisor (督导, 市): no street, the whole city
    column = SCOPE_COLUMN.get(role)
    value = getattr(user, column, None) if column else None
    return (column, value) if value else None


def can_see(user, dispute) -> bool:
    """`dispute`: a case, or anything with its street_id, community_id and grid_id."""
    rule = scope_rule(user)
    if rule is EVERYTHING or rule is None:
        return rule is EVERYTHING
    column, value = rule
    return getattr(dispute, column) == value


def supervises(user, dispute) -> bool:
    """A supervisor of the case's street, or of the whole city (no street):
    who may urge (督办) what was escalated on the case."""
    return getattr(user, "role", None) == "supervisor" and can_see(user, dispute)
