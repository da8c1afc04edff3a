"""The grid map's figures: for each grid of the user's area, its open and red
cases now and its cases registered in a period with the share resolved on
the spot (现场化解率, counted as on the statistics page: none, "—" and the
no-data colour, until a case of the period has concluded), in one GROUP BY
over the cases, coloured into a few classes for the map's legend.

The area is the user's scope: the city (admin, city supervisor), a street
(supervisor), a community (mediator), a grid (grid worker). A city's user
may choose one of its streets, and a city of more than MAP_GRIDS grids is
drawn a street at a time. Grids without an outline are listed in the table
but cannot be drawn.
"""
from __future__ import annotations

import hashlib
import math
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date, datetime

import shapely
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, func, select, true

from .. import clock
from ..disputes.lists import open_clause
from ..disputes.models import Dispute
from ..engine.deadlines import colour_clause
from ..extensions import db
from ..org import geo
from ..org.models import Community, Grid, Street
from .scope import is_city_level
from .stats import ON_SPOT, UNCONCLUDED

MAP_WIDTH = 800
# A city with more grids than this is drawn a street at a time: a province's
# city (7,380 grids) made a 2 MB page that took a second, over every case of
# the city, and could not be read on a phone.
MAP_GRIDS = 1000
MEASURES = {
    "open": _l("Open cases"),
    "red": _l("Overdue (red) cases"),
    "registered": _l("Cases registered in the period"),
    "on_spot_rate": _l("On-the-spot resolution rate"),
}
# Sequential palettes, light to dark (ColorBrewer Blues and Reds); the grey
# is for a grid without figures (a rate of nothing, or of cases none of
# which has concluded yet).
PALETTES = {"red": ("#fee5d9", "#fcae91", "#fb6a4a", "#de2d26", "#a50f15"),
            "default": ("#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c")}
NO_DATA = "#d9d9d9"
# Drawings kept per process (_drawing), up to this many grids' outlines in all
# (about 8 MB): a province's city's every street, and the communities and
# grids of the mediators and grid workers who look at theirs.
DRAWN_GRIDS = 10_000
_drawings: OrderedDict[bytes, tuple] = OrderedDict()
_drawings_lock = threading.Lock()


@dataclass
class GridRow:
    id: int
    code: str | None
    name: str
    community: str
    shape: str | None
    open: int = 0
    red: int = 0
    registered: int = 0
    on_spot: int = 0
    # Of the registered, those not concluded yet (awaiting acceptance or in mediation).
    unconcluded: int = 0
    fill: str = NO_DATA
    drawn: object = None

    @property
    def on_spot_rate(self) -> float | None:
        """On the spot ÷ registered (DOMAIN.md), as the statistics give it:
        none until a registered case has concluded, not 0.0 for cases still
        awaiting acceptance or in mediation."""
        return self.on_spot / self.registered if self.registered > self.unconcluded else None

    def value(self, measure: str):
        return getattr(self, measure)


@dataclass
class Legend:
    colour: str
    low: float
    high: float


@dataclass
class Gridless:
    """The area's cases registered without a grid (before grids were set up,
    or by a door that asks for none): on no grid of the map, counted apart
    so that the map's figures and the statistics' add up."""
    open: int = 0
    red: int = 0
    registered: int = 0
    on_spot: int = 0
    unconcluded: int = 0

    def __bool__(self) -> bool:
        return bool(self.open or self.registered)


@dataclass
class GridMap:
    measure: str
    date_from: date
    date_to: date
    rows: list[GridRow]
    legend: list[Legend] = field(default_factory=list)
    height: float = 0.0
    width: int = MAP_WIDTH
    borders: list = field(default_factory=list)  # geo.Drawn, keyed by community name
    # A city drawn a street at a time, none chosen: (id, name, grids) of its streets, and no rows.
    streets: list = field(default_factory=list)
    gridless: Gridless = field(default_factory=Gridless)

    @property
    def drawn(self) -> list[GridRow]:
        return [r for r in self.rows if r.drawn is not None]


def _in_area(query, user, street_id=None):
    """`query` (joining Community) narrowed to the user's area, and to one
    street of a city's when given; None for a user without one."""
    if user.role == "gridworker":
        return query.where(Grid.id == user.grid_id)
    if user.role == "mediator":
        return query.where(Grid.community_id == user.community_id)
    if user.role == "supervisor" and user.street_id:
        return query.where(Community.street_id == user.street_id)
    if user.role not in ("admin", "supervisor"):
        return None
    return query if street_id is None else query.where(Community.street_id == street_id)


def _area_grids(user, street_id=None):
    query = _in_area(select(Grid.id, Grid.code, Grid.name, Community.name, Grid.shape).join(Community)
                     .order_by(Community.id, Grid.id), user, street_id)
    return [] if query is None else [GridRow(*row) for row in db.session.execute(query)]


def streets_to_choose(user) -> list[tuple[int, str, int]]:
    """(id, name, grids) of a city's streets when it has more than MAP_GRIDS
    grids, to be drawn one at a time; [] when the area is drawn whole."""
    if not is_city_level(user):
        return []
    counts = dict(db.session.execute(select(Community.street_id, func.count(Grid.id)).join(Community)
                                     .group_by(Community.street_id)).all())
    if sum(counts.values()) <= MAP_GRIDS:
        return []
    names = dict(db.session.execute(select(Street.id, Street.name)).all())
    return [(street_id, names[street_id], n) for street_id, n in sorted(counts.items())]


def _figures(grid_ids, date_from: date, date_to: date, now: datetime) -> dict:
    """Per grid of `grid_ids` (the user's area's: a case's street and
    community are its grid's, so the grids alone scope the cases, as a
    grid filter of the case lists does): its figures, in one GROUP BY that
    reads only the columns ix_disputes_grid_created carries on PostgreSQL,
    so that it reads the index alone (a street's 50,000 cases at a million
    took 150-240 ms from the table's pages)."""
    if not grid_ids:
        return {}
    query = (select(Dispute.grid_id, *_measures(date_from, date_to, now))
             .where(Dispute.grid_id.in_(grid_ids)).group_by(Dispute.grid_id))
    return {row[0]: tuple(int(v) for v in row[1:]) for row in db.session.execute(query)}


def _measures(date_from: date, date_to: date, now: datetime) -> tuple:
    """Open, red, registered in the period, of those resolved on the spot and
    not concluded yet: as sums over the cases."""
    in_period = and_(Dispute.created_at >= clock.day_start(date_from), Dispute.created_at < clock.day_end(date_to))

    def count(condition):
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    return (count(open_clause()), count(and_(open_clause(), colour_clause(Dispute, "red", now))),
            count(in_period), count(and_(in_period, ON_SPOT)), count(and_(in_period, UNCONCLUDED)))


def _gridless(user, street_id, date_from: date, date_to: date, now: datetime) -> Gridless:
    if user.role == "gridworker":  # a grid worker's area is their grid
        return Gridless()
    if user.role == "mediator":
        where = Dispute.community_id == user.community_id
    elif user.role == "supervisor" and user.street_id:
        where = Dispute.street_id == user.street_id
    elif user.role in ("admin", "supervisor"):
        where = Dispute.street_id == street_id if street_id is not None else true()
    else:
        return Gridless()
    row = db.session.execute(select(*_measures(date_from, date_to, now))
                             .where(Dispute.grid_id.is_(None), where)).one()
    return Gridless(*(int(v) for v in row))


def _classes(values: list[float], palette, rate: bool) -> list[Legend]:
    """Equal steps: fifths of 100% for a rate; for counts whole steps from
    0 to the largest count, at most one per colour (a map of zeros gets one
    class)."""
    if rate:
        return [Legend(colour, i / len(palette), (i + 1) / len(palette)) for i, colour in enumerate(palette)]
    top = int(max(values, default=0))
    step = max(1, math.ceil(top / len(palette)))
    classes = max(1, math.ceil(top / step))
    return [Legend(palette[i], i * step + (1 if i else 0), (i + 1) * step) for i in range(classes)]


def _colour(value, legend: list[Legend]) -> str:
    if value is None:
        return NO_DATA
    for entry in legend:
        if value <= entry.high:
            return entry.colour
    return legend[-1].colour


def grid_map(user, measure: str, date_from: date, date_to: date, street_id: int | None = None) -> GridMap:
    """The map of the user's area; a city's of one street when given. A
    city of more than MAP_GRIDS grids, no street given, gets its streets to
    choose from instead."""
    if street_id is None:
        streets = streets_to_choose(user)
        if streets:
            return GridMap(measure, date_from, date_to, [], streets=streets)
    rows = _area_grids(user, street_id)
    figures = _figures([r.id for r in rows], date_from, date_to, clock.now())
    for row in rows:
        row.open, row.red, row.registered, row.on_spot, row.unconcluded = figures.get(row.id, (0, 0, 0, 0, 0))
    palette = PALETTES["red" if measure == "red" else "default"]
    values = [v for v in (r.value(measure) for r in rows) if v is not None]
    legend = _classes(values, palette, rate=measure == "on_spot_rate")
    for row in rows:
        row.fill = _colour(row.value(measure), legend)
    outlines, borders, height = _drawing([row for row in rows if row.shape])
    for row in rows:
        row.drawn = outlines.get(row.id)
    return GridMap(measure, date_from, date_to, rows, legend, height, borders=borders,
                   gridless=_gridless(user, street_id, date_from, date_to, clock.now()))


def _drawing(shaped_rows: list[GridRow]) -> tuple[dict[int, geo.Drawn], list[geo.Drawn], float]:
    """The grids' outlines drawn (by grid id), their communities' borders
    and the map's height. The drawing depends on the outlines alone, which
    change only when outlines are imported, and a street's (369 grids) took
    about 30 ms to project, simplify and join into borders: the process
    keeps its drawings by a digest of what they were drawn from, so that an
    import is drawn anew on the next request; the least recently used go
    past DRAWN_GRIDS outlines."""
    digest = hashlib.blake2b(digest_size=16)
    for row in shaped_rows:
        digest.update(f"{row.id}\x1f{row.community}\x1f{row.shape}\x1e".encode())
    key = digest.digest()
    with _drawings_lock:
        found = _drawings.get(key)
        if found is not None:
            _drawings.move_to_end(key)
            return found
    shaped = [(row.id, geo.from_json(row.shape)) for row in shaped_rows]
    borders = _community_borders(shaped_rows, shaped)
    drawn, height = geo.fit(shaped + borders, MAP_WIDTH)  # one fit: the borders lie on the grids' edges
    found = ({outline.key: outline for outline in drawn[:len(shaped)]}, drawn[len(shaped):], height)
    with _drawings_lock:
        if key not in _drawings:
            _drawings[key] = found
            while sum(len(outlines) for outlines, _b, _h in _drawings.values()) > DRAWN_GRIDS and len(_drawings) > 1:
                _drawings.popitem(last=False)
    return found


def _community_borders(shaped_rows: list[GridRow], shaped) -> list:
    """Each community's outline, the union of its grids (snapped to about
    a centimetre so that shared edges vanish), drawn over the grids."""
    by_community: dict[str, list] = {}
    for row, (_id, geometry) in zip(shaped_rows, shaped):
        by_community.setdefault(row.community, []).append(geometry)
    return [(name, shapely.union_all(parts, grid_size=1e-7)) for name, parts in by_community.items()]


def case_list_args(row: GridRow, gmap: GridMap) -> dict:
    """The case list's filters for a grid under the chosen measure."""
    args = {"grid": row.id}
    if gmap.measure == "red":
        args["colour"] = "red"
    elif gmap.measure in ("registered", "on_spot_rate"):
        args.update(date_from=gmap.date_from.isoformat(), date_to=gmap.date_to.isoformat())
    return args
