"""Which cases a user may see, as a rule on a case's place: what a single
case checks (`can_see`, its `visible_to`) and what scope.py turns into a
query clause. Imports no model, so the model can use it."""

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
    rule = scope_rule(user)
    if rule is EVERYTHING or rule is None:
        return rule is EVERYTHING
    column, value = rule
    return getattr(dispute, column) == value
