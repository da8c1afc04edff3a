"""A plausible map for the demo city: 18 communities tiling a town of about
6 × 4.5 km around Laiyang's centre, each cut into its grids. Both cuts are
Voronoi diagrams (shapely) of seeded random points, evened out by Lloyd's
relaxation, so the shapes are irregular like real blocks but repeatable, and
every grid is a valid convex polygon sharing its edges with its neighbours."""
from __future__ import annotations

import json
import random

import shapely
from shapely.geometry import MultiPoint, Point, box, mapping

CENTRE = (120.711, 36.977)  # Laiyang, Shandong (lon, lat)
HALF_SPAN = (0.034, 0.020)  # degrees: about 6 km east-west, 4.5 km north-south


def _cells(points: list[tuple[float, float]], inside):
    """Voronoi cells of `points`, in their order, clipped to `inside`."""
    cells = shapely.voronoi_polygons(MultiPoint(points), extend_to=inside, ordered=True)
    return [cell.intersection(inside) for cell in cells.geoms]


def _points_in(area, count: int, rng: random.Random) -> list[tuple[float, float]]:
    minx, miny, maxx, maxy = area.bounds
    points = []
    while len(points) < count:
        x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        if area.contains(Point(x, y)):
            points.append((round(x, 6), round(y, 6)))
    return points


def _relaxed_cells(area, count: int, rng: random.Random, rounds: int = 4) -> list:
    """Voronoi cells of random points, each point then moved to its cell's
    centroid a few times (Lloyd's relaxation): cells of similar size, as
    grids of 200-400 households are, instead of slivers beside giants."""
    points = _points_in(area, count, rng)
    cells = _cells(points, area)
    for _ in range(rounds):
        points = [(c.centroid.x, c.centroid.y) for c in cells]
        cells = _cells(points, area)
    return cells


def city_layout(grid_counts: list[int], seed: int = 7) -> list[list]:
    """For each community (grid_counts[i] grids), the list of its grids'
    polygons, in order."""
    rng = random.Random(seed)
    (cx, cy), (hx, hy) = CENTRE, HALF_SPAN
    town = box(cx - hx, cy - hy, cx + hx, cy + hy)
    communities = _relaxed_cells(town, len(grid_counts), rng, rounds=2)
    return [_relaxed_cells(area, n, rng) if n > 1 else [area] for area, n in zip(communities, grid_counts)]


def feature_collection(named: list[tuple[str, str, object]]) -> str:
    """(code, name, polygon) -> a GeoJSON FeatureCollection text."""
    features = [{"type": "Feature", "properties": {"code": code, "name": name},
                 "geometry": mapping(shapely.set_precision(polygon, 1e-6))} for code, name, polygon in named]
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False, indent=1)
