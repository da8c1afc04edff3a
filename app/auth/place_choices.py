"""The places offered on the users pages (app/auth/admin.py): the account
form's street, community, grid and department lists, and the list's place
filter. 369 grids in one list are read on a phone only when grouped: the
communities by street, the grids by community, the departments by the street
they cover. Each option of the account form names its street (and a grid its
community) for app/static/js/places.js, which narrows the lists to the street
and community chosen; app/auth/accounts.py refuses a place outside them."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import or_, select

from ..extensions import db
from ..org.models import Community, Department, Grid, Street
from .models import User

WHOLE_CITY = -1  # the street list's choice for a supervisor or coordinator of the whole city
NONE = [(0, "—")]


def _streets() -> list[Street]:
    return db.session.execute(select(Street).order_by(Street.id)).scalars().all()


def fill(form, department_id: int | None = None) -> None:
    """The choices of an AccountForm's street_id, community_id, grid_id and
    department_id ("" groups the empty choice, shown before the groups). A
    deactivated department is offered only as `department_id`, the one the
    account has (it takes no new liaison)."""
    streets = _streets()
    several = len(streets) > 1  # one street: its name on every option says nothing
    form.street_id.choices = NONE + [(WHOLE_CITY, _("The whole city"))] + [(s.id, s.name) for s in streets]
    form.community_id.choices = community_groups(several)
    grids: dict = {"": NONE}
    for g, community, street in db.session.execute(
            select(Grid, Community, Street.name).join(Community, Community.id == Grid.community_id)
            .join(Street, Street.id == Community.street_id).order_by(Community.street_id, Grid.community_id, Grid.id)):
        group = f"{street} · {community.name}" if several else community.name
        # The community stays in the option's label: a closed list shows the option alone.
        grids.setdefault(group, []).append((g.id, f"{community.name} · {g.name}",
                                            {"data-street": community.street_id, "data-community": community.id}))
    form.grid_id.choices = grids
    city = _("The whole city")
    departments: dict = {"": NONE}
    for d, street in db.session.execute(
            select(Department, Street.name).outerjoin(Street, Street.id == Department.street_id)
            .where(or_(Department.active.is_(True), Department.id == (department_id or 0)))
            .order_by(Department.street_id.is_not(None), Department.street_id, Department.id)):
        departments.setdefault(street or city, []).append(
            (d.id, f"{d.name} ({street or city})", {"data-street": d.street_id} if d.street_id else {}))
    form.department_id.choices = departments


def community_groups(several: bool | None = None) -> dict:
    """The communities grouped by street, "—" (none) first; each names its
    street when the city has several."""
    if several is None:
        several = len(_streets()) > 1
    communities: dict = {"": NONE}
    for c, street in db.session.execute(select(Community, Street.name).join(Street, Street.id == Community.street_id)
                                        .order_by(Community.street_id, Community.id)):
        communities.setdefault(street, []).append((c.id, f"{street} · {c.name}" if several else c.name,
                                                   {"data-street": c.street_id}))
    return communities


def filter_choices() -> dict:
    """The list's place filter: a street ("s<id>") or one of its communities
    ("c<id>"), grouped by street."""
    groups: dict = {"": [("", _("All streets and communities"))]}
    for street in _streets():
        groups[street.name] = [(f"s{street.id}", _("%(street)s, all communities", street=street.name))]
    for c, street in db.session.execute(select(Community, Street.name).join(Street, Street.id == Community.street_id)
                                        .order_by(Community.street_id, Community.id)):
        groups[street].append((f"c{c.id}", c.name))
    return groups


def filter_clause(value: str | None):
    """The accounts a place filter's value keeps (the street's: its
    communities', grids' and departments' too); None for every account."""
    if not value or value[0] not in "sc" or not value[1:].isdigit():
        return None
    place = int(value[1:])
    if value[0] == "c":
        return User.community_id == place
    # A liaison has no street of their own: their department's street makes them the street's.
    return or_(User.street_id == place,
               User.department_id.in_(select(Department.id).where(Department.street_id == place)))
