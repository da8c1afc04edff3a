"""Grid outlines: reading an administrator's GeoJSON file and fitting the
outlines into an SVG box for the grid map.

A file is a FeatureCollection with one Polygon or MultiPolygon per grid,
its `properties.code` naming the grid (`grids.code`), in longitude/latitude
(WGS 84, as RFC 7946 requires). Nothing is written unless the whole file is
good: every fault is reported with the feature's number and the line of the
file it starts on, so that the person who drew it can find it.

Geometry is shapely's (validity, simplification, transforms); nothing here
draws polygons by hand.
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass

import shapely
from shapely.geometry import mapping, shape
from shapely.validation import explain_validity

# RFC 7946 allows only WGS 84; older files name it in a "crs" member.
WGS84_NAMES = {"urn:ogc:def:crs:OGC:1.3:CRS84", "urn:ogc:def:crs:OGC::CRS84", "EPSG:4326",
               "urn:ogc:def:crs:EPSG::4326"}
POLYGONS = {"Polygon", "MultiPolygon"}


class GeoJSONError(ValueError):
    """The file cannot be imported; `problems` lists every fault found."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, max(offset, 0)) + 1


def _feature_lines(text: str, count: int) -> list[int]:
    """The line each feature starts on: the n-th `"type": "Feature"` member
    (a cheap scan; a file laid out unusually gets line 1, never a wrong
    feature number)."""
    starts = [m.start() for m in re.finditer(r'"type"\s*:\s*"Feature"', text)]
    return [_line_of(text, starts[i]) if i < len(starts) else 1 for i in range(count)]


def _crs_problem(collection: dict) -> str | None:
    crs = collection.get("crs")
    if crs is None:
        return None
    name = (crs.get("properties") or {}).get("name") if isinstance(crs, dict) else None
    if name in WGS84_NAMES:
        return None
    return (f"the file is in another projection ({name or crs!r}): export it in longitude/latitude "
            "(WGS 84, EPSG:4326)")


def _coordinate_problem(geometry) -> str | None:
    minx, miny, maxx, maxy = geometry.bounds
    if minx < -180 or maxx > 180 or miny < -90 or maxy > 90:
        return (f"coordinates ({minx:.0f}, {miny:.0f}) … ({maxx:.0f}, {maxy:.0f}) are not longitude/latitude: "
                "the file looks projected (metres); export it in WGS 84 (EPSG:4326)")
    return None


@dataclass
class Outline:
    code: str
    geometry: object  # a shapely Polygon or MultiPolygon


def read_geojson(text: str, known_codes: set[str]) -> list[Outline]:
    """The outlines of a GeoJSON text, or GeoJSONError naming each fault."""
    try:
        collection = json.loads(text)
    except json.JSONDecodeError as error:
        raise GeoJSONError([f"line {error.lineno}: not valid JSON ({error.msg})"]) from None
    if not isinstance(collection, dict) or collection.get("type") != "FeatureCollection" \
            or not isinstance(collection.get("features"), list):
        raise GeoJSONError(["line 1: the file must be a GeoJSON FeatureCollection"])
    crs = _crs_problem(collection)
    if crs:
        raise GeoJSONError([f"line 1: {crs}"])
    features = collection["features"]
    lines = _feature_lines(text, len(features))
    outlines, problems, seen = [], [], {}
    for number, (feature, line) in enumerate(zip(features, lines), start=1):
        where = f"line {line}, feature {number}"
        props = feature.get("properties") or {} if isinstance(feature, dict) else {}
        code = str(props.get("code") or "").strip()
        if code:
            where += f" (grid {code})"
        problem = _feature_problem(feature, code, known_codes, seen)
        if problem is None:
            try:
                geometry = shape(feature["geometry"])
            except (KeyError, TypeError, ValueError, AttributeError, shapely.errors.GEOSException) as error:
                problem = f"the geometry cannot be read ({error})"
            else:
                problem = _geometry_problem(geometry)
        if problem:
            problems.append(f"{where}: {problem}")
            continue
        seen[code] = number
        outlines.append(Outline(code, geometry))
    if problems:
        raise GeoJSONError(problems)
    if not outlines:
        raise GeoJSONError(["line 1: the file has no features"])
    return outlines


def _feature_problem(feature, code, known_codes, seen) -> str | None:
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        return "not a GeoJSON Feature"
    if not code:
        return "no grid code (properties.code)"
    if code not in known_codes:
        return f"unknown grid code {code!r}: no grid has it"
    if code in seen:
        return f"grid {code} is drawn twice (also feature {seen[code]})"
    geometry = feature.get("geometry")
    if not isinstance(geometry, dict) or geometry.get("type") not in POLYGONS:
        kind = geometry.get("type") if isinstance(geometry, dict) else None
        return f"a grid must be a Polygon or MultiPolygon, not {kind or 'nothing'}"
    return None


def _geometry_problem(geometry) -> str | None:
    if geometry.is_empty:
        return "the polygon is empty"
    projected = _coordinate_problem(geometry)
    if projected:
        return projected
    if not geometry.is_valid:
        return f"broken polygon: {explain_validity(geometry)}"
    return None


def to_json(geometry) -> str:
    return json.dumps(mapping(geometry), separators=(",", ":"))


def from_json(text: str):
    return shape(json.loads(text))


# --- fitting outlines into an SVG box


@dataclass
class Drawn:
    key: object
    path: str  # the SVG path's d attribute
    label_x: float
    label_y: float


def _ring_path(coords) -> str:
    points = [f"{x:.1f},{y:.1f}" for x, y in coords]
    return "M" + "L".join(points[:-1] if len(points) > 1 and points[0] == points[-1] else points) + "Z"


def _path(geometry) -> str:
    polygons = geometry.geoms if geometry.geom_type == "MultiPolygon" else [geometry]
    return "".join(_ring_path(ring.coords) for p in polygons for ring in (p.exterior, *p.interiors))


def fit(shapes: list[tuple[object, object]], width: float, margin: float = 8.0) -> tuple[list[Drawn], float]:
    """Project (key, geometry) pairs into an SVG box `width` wide: an
    equirectangular projection at the outlines' mean latitude (a city is
    small enough for it), y pointing down, simplified to about a tenth of a
    drawn unit. Returns the drawn outlines and the box's height."""
    if not shapes:
        return [], 0.0
    union = shapely.GeometryCollection([g for _, g in shapes])
    minx, miny, maxx, maxy = union.bounds
    stretch = math.cos(math.radians((miny + maxy) / 2))
    span_x, span_y = max((maxx - minx) * stretch, 1e-9), max(maxy - miny, 1e-9)
    scale = (width - 2 * margin) / span_x
    height = span_y * scale + 2 * margin

    def project(coords):
        out = coords.copy()
        out[:, 0] = margin + (coords[:, 0] - minx) * stretch * scale
        out[:, 1] = margin + (maxy - coords[:, 1]) * scale
        return out

    drawn = []
    for key, geometry in shapes:
        flat = shapely.transform(geometry, project).simplify(0.1, preserve_topology=True)
        point = flat.representative_point()
        drawn.append(Drawn(key, _path(flat), round(point.x, 1), round(point.y, 1)))
    return drawn, round(height, 1)
