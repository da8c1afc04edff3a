"""Storing grid outlines read from GeoJSON (geo.py) on the grids, in one
audited transaction: either every outline of the file or none."""
from __future__ import annotations

from sqlalchemy import select

from ..audit import record
from ..extensions import db
from .geo import Outline, read_geojson, to_json
from .models import Community, Grid


def grids_by_code() -> dict[str, Grid]:
    """A grid is named in a file by its code or, for grids without one, by
    "community/grid" (社区名/第1网格)."""
    keys = {}
    for grid, community_name in db.session.execute(select(Grid, Community.name).join(Community)):
        keys[f"{community_name}/{grid.name}"] = grid
        if grid.code:
            keys[grid.code] = grid
    return keys


def store(outlines: list[Outline], grids: dict[str, Grid], source: str, actor=None) -> int:
    for outline in outlines:
        grids[outline.code].shape = to_json(outline.geometry)
    record("org", None, "grid_outlines_imported", actor,
           data={"source": source, "grids": sorted(o.code for o in outlines)})
    return len(outlines)


def import_geojson(text: str, source: str, actor=None) -> int:
    """Validate the whole text, then store it; raises geo.GeoJSONError."""
    grids = grids_by_code()
    outlines = read_geojson(text, set(grids))
    count = store(outlines, grids, source, actor)
    db.session.commit()
    return count
