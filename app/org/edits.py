"""An administrator's edits of the organisation tree: renaming a street,
community or grid, adding a community to a street or a grid to a community.
Each is audited in its own transaction, after the chain lock, so that two
administrators cannot both take one name.

Nothing is ever deleted or deactivated here: cases, users, sweeps and the
audit log point at these rows, and the tree has no "active" flag (a place
that is no longer used keeps its name; rename it if it was merged).

Names are what people and files look places up by: a street's name is unique
in the city, a community's in its street, a grid's in its community (a
GeoJSON file names a grid without a code as "community/grid",
outlines.grids_by_code), a grid's code in the city."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, select

from ..audit.chain import lock_chain, record
from ..extensions import db
from .models import Community, Grid, Street

KINDS = {"street": Street, "community": Community, "grid": Grid}


class PlaceProblem(Exception):
    """Why the edit is refused; `field` is the form field it concerns."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field, self.message = field, message


class StaleName(Exception):
    """The row's name changed since the form was loaded."""


def kind_of(row) -> str:
    return next(kind for kind, model in KINDS.items() if isinstance(row, model))


def clean(name: str | None) -> str:
    return " ".join((name or "").split())


def _taken(model, name: str, other_than: int | None = None, **parent) -> bool:
    query = select(model.id).where(model.name == name)
    for column, value in parent.items():
        query = query.where(getattr(model, column) == value)
    if other_than is not None:
        query = query.where(model.id != other_than)
    return db.session.execute(query.limit(1)).first() is not None


def _check_name(kind: str, name: str, parent_id: int, other_than: int | None = None) -> None:
    if kind == "street" and _taken(Street, name, other_than):
        raise PlaceProblem("name", _("Another street is already called %(name)s. Choose another name.", name=name))
    if kind == "community" and _taken(Community, name, other_than, street_id=parent_id):
        street = db.session.get(Street, parent_id)
        raise PlaceProblem("name", _("The street %(street)s already has a community called %(name)s. Choose another "
                                     "name, for example with its area or number.", street=street.name, name=name))
    if kind == "grid" and _taken(Grid, name, other_than, community_id=parent_id):
        community = db.session.get(Community, parent_id)
        raise PlaceProblem("name", _("%(community)s already has a grid called %(name)s. Choose another name, for "
                                     "example with its number.", community=community.name, name=name))


def _parent_id(kind: str, row) -> int:
    return {"street": lambda: 0, "community": lambda: row.street_id, "grid": lambda: row.community_id}[kind]()


def rename(row, name: str, was: str, actor) -> bool:
    """Give the row a new name; False when it already has it. `was` is the
    name the form was loaded with: another administrator's rename meanwhile
    raises StaleName rather than being overwritten."""
    kind, name = kind_of(row), clean(name)
    lock_chain(db.session)  # one writer from here: the checks below hold until COMMIT
    db.session.refresh(row)
    if row.name != clean(was):
        raise StaleName()
    if name == row.name:
        return False
    _check_name(kind, name, _parent_id(kind, row), other_than=row.id)
    old, row.name = row.name, name
    db.session.flush()
    record("org", None, f"{kind}_renamed", actor, data={f"{kind}_id": row.id, "changes": {"name": [old, name]}})
    return True


def add_community(street: Street, name: str, actor) -> Community:
    name = clean(name)
    lock_chain(db.session)
    _check_name("community", name, street.id)
    community = Community(street_id=street.id, name=name)
    db.session.add(community)
    db.session.flush()
    record("org", None, "community_added", actor,
           data={"community_id": community.id, "street_id": street.id, "name": name})
    return community


def add_grid(community: Community, name: str, actor, code: str | None = None,
             households: int | None = None) -> Grid:
    """A grid without an outline: the map leaves it off (and says so) until
    a GeoJSON file draws it, by its code or as "community/grid"."""
    name, code = clean(name), clean(code) or None
    lock_chain(db.session)
    _check_name("grid", name, community.id)
    if code is not None:
        holder = db.session.execute(select(Grid, Community.name).join(Community)
                                    .where(func.lower(Grid.code) == code.lower())).first()
        if holder is not None:
            raise PlaceProblem("code", _("The code %(code)s is already the code of %(community)s / %(grid)s. Give "
                                         "another code, or leave it empty.", code=code,
                                         community=holder[1], grid=holder[0].name))
    grid = Grid(community_id=community.id, name=name, code=code, households=households)
    db.session.add(grid)
    db.session.flush()
    record("org", None, "grid_added", actor, data={"grid_id": grid.id, "community_id": community.id, "name": name,
                                                   "code": code, "households": households})
    return grid
