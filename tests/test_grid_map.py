"""The grid map: importing grid outlines from GeoJSON (each kind of fault
refused with the line at fault, nothing stored), the map page's figures,
colours, links and scope, and the demo's layout."""
import json
import re

import pytest
from shapely.geometry import shape

from app import clock
from app.demo import layout
from app.extensions import db
from app.org.geo import GeoJSONError, fit, read_geojson
from app.org.models import Grid
from app.org.outlines import import_geojson
from app.audit.models import AuditEvent
from tests import factories as f
from tests.factories import login


def square(x, y, size=0.01):
    return [[[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]]


def collection(features, **extra):
    return json.dumps({"type": "FeatureCollection", **extra, "features": [
        {"type": "Feature", "properties": {"code": code}, "geometry": {"type": "Polygon", "coordinates": coords}}
        for code, coords in features]}, indent=2)


def give_codes(grids):
    for i, grid in enumerate(grids, start=1):
        grid.code = f"G{i:02d}"
    db.session.commit()
    return [g.code for g in grids]


def outline_all(grids):
    """Every grid a square in a row near Laiyang."""
    codes = give_codes(grids)
    return collection([(code, square(120.70 + 0.01 * i, 36.97)) for i, code in enumerate(codes)])


# --- reading a file


def test_a_good_file_is_read_into_valid_polygons():
    outlines = read_geojson(collection([("A", square(120.7, 36.9)), ("B", square(120.71, 36.9))]), {"A", "B"})
    assert [o.code for o in outlines] == ["A", "B"]
    assert all(o.geometry.is_valid and o.geometry.geom_type == "Polygon" for o in outlines)


def test_every_fault_is_reported_with_its_line_and_feature():
    bowtie = [[[120.7, 36.9], [120.71, 36.91], [120.71, 36.9], [120.7, 36.91], [120.7, 36.9]]]
    text = collection([("A", square(120.7, 36.9)), ("NOPE", square(120.71, 36.9)), ("B", bowtie),
                       ("C", square(400000.0, 4100000.0, 500))])
    with pytest.raises(GeoJSONError) as error:
        read_geojson(text, {"A", "B", "C"})
    problems = error.value.problems
    assert len(problems) == 3
    lines = text.splitlines()
    for problem, code in zip(problems, ("NOPE", "B", "C")):
        line = int(re.match(r"line (\d+), feature \d", problem).group(1))
        assert '"type": "Feature"' in lines[line - 1]  # the line the faulty feature starts on
        assert f"(grid {code})" in problem
    assert "unknown grid code 'NOPE'" in problems[0]
    assert "broken polygon: Self-intersection" in problems[1]
    assert "not longitude/latitude" in problems[2]


def test_a_file_in_another_projection_is_refused():
    text = collection([("A", square(120.7, 36.9))],
                      crs={"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3857"}})
    with pytest.raises(GeoJSONError, match=r"line 1: the file is in another projection .*EPSG::3857"):
        read_geojson(text, {"A"})


@pytest.mark.parametrize("text, message", [
    ('{"type": "FeatureCollection",\n "features": [\n  {"type": "Feature",}\n]}', r"line 3: not valid JSON"),
    ('{"type": "Feature"}', r"line 1: the file must be a GeoJSON FeatureCollection"),
    ('{"type": "FeatureCollection", "features": []}', r"line 1: the file has no features"),
])
def test_what_is_not_a_feature_collection_is_refused(text, message):
    with pytest.raises(GeoJSONError, match=message):
        read_geojson(text, {"A"})


def test_a_point_a_missing_code_and_a_grid_drawn_twice_are_refused():
    text = json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"code": "A"}, "geometry": {"type": "Point", "coordinates": [120.7, 36.9]}},
        {"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": square(120.7, 36.9)}},
        {"type": "Feature", "properties": {"code": "B"}, "geometry": {"type": "Polygon", "coordinates": square(1, 1)}},
        {"type": "Feature", "properties": {"code": "B"}, "geometry": {"type": "Polygon", "coordinates": square(2, 2)}},
    ]})
    with pytest.raises(GeoJSONError) as error:
        read_geojson(text, {"A", "B"})
    assert [p.split(": ", 1)[1] for p in error.value.problems] == [
        "a grid must be a Polygon or MultiPolygon, not Point", "no grid code (properties.code)",
        "grid B is drawn twice (also feature 3)"]


def test_fit_keeps_the_shapes_inside_the_box_with_north_up():
    north, south = shape({"type": "Polygon", "coordinates": square(120.7, 36.91)}), \
        shape({"type": "Polygon", "coordinates": square(120.7, 36.90)})
    drawn, height = fit([("n", north), ("s", south)], 400)
    assert 0 < height
    numbers = [float(v) for d in drawn for v in re.findall(r"[\d.]+", d.path)]
    assert min(numbers) >= 0 and max(numbers) <= max(400, height)
    assert drawn[0].label_y < drawn[1].label_y  # north is drawn higher up


# --- the import and its command


def test_the_command_imports_every_outline_and_records_it(app, ctx, tmp_path):
    _street, _cs, grids = f.org()
    path = tmp_path / "grids.geojson"
    path.write_text(outline_all(grids), encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["org", "import-geojson", str(path)])
    assert result.exit_code == 0, result.output
    assert "4 grid outlines imported" in result.output
    db.session.expire_all()
    assert all(shape(json.loads(g.shape)).is_valid for g in db.session.query(Grid))
    event = db.session.query(AuditEvent).filter_by(trigger="grid_outlines_imported").one()
    assert json.loads(event.data)["grids"] == ["G01", "G02", "G03", "G04"]


def test_a_faulty_file_imports_nothing_and_names_the_line(app, ctx, tmp_path):
    _street, _cs, grids = f.org()
    codes = give_codes(grids)
    path = tmp_path / "grids.geojson"
    text = collection([(codes[0], square(120.7, 36.9)), ("X9", square(120.71, 36.9))])
    path.write_text(text, encoding="utf-8")
    second = [n for n, line in enumerate(text.splitlines(), start=1) if '"type": "Feature"' in line][1]
    result = app.test_cli_runner().invoke(args=["org", "import-geojson", str(path)])
    assert result.exit_code != 0
    assert f"line {second}, feature 2 (grid X9): unknown grid code 'X9'" in result.output
    assert "nothing imported: 1 problem(s)" in result.output
    db.session.expire_all()
    assert db.session.query(Grid).filter(Grid.shape.is_not(None)).count() == 0
    assert db.session.query(AuditEvent).filter_by(trigger="grid_outlines_imported").count() == 0


def test_grids_without_codes_are_named_community_slash_grid(ctx):
    _street, (c1, _c2), grids = f.org()
    text = collection([(f"{c1.name}/{grids[0].name}", square(120.7, 36.9))])
    assert import_geojson(text, source="test") == 1
    assert db.session.get(Grid, grids[0].id).shape is not None


# --- the page


@pytest.fixture
def mapped(app):
    with app.app_context():
        street, (c1, c2), grids = f.org()
        import_geojson(outline_all(grids), source="test")
        supervisor = f.user("supervisor", street=street)
        mediator = f.user("mediator", community=c1)
        worker = f.user("gridworker", grid=grids[0])
        lawyer = f.user("lawyer", street=street)
        _other_street, _ocs, other_grids = f.org()
        clock.set_now(clock.now())
        open1 = f.dispute(mediator, grids[0])
        f.dispute(mediator, grids[0])
        spot = f.dispute(mediator, grids[1])
        f.walk(spot, mediator, "resolve_on_spot")
        f.dispute(f.user("mediator", community=_ocs[0]), other_grids[0])
        ids = {"grids": [g.id for g in grids], "other": other_grids[0].id, "open1": open1.id}
        names = {role: u.username for role, u in (("supervisor", supervisor), ("mediator", mediator),
                                                   ("gridworker", worker), ("lawyer", lawyer))}
        db.session.remove()
    return ids, names


def grid_links(html):
    return dict(re.findall(r'<a class="grid" href="([^"]+)" data-grid="(\d+)"', html))


def test_the_supervisor_sees_every_grid_of_the_street_with_its_figures(client, mapped):
    ids, names = mapped
    login(client, names["supervisor"])
    html = client.get("/supervision/map").get_data(as_text=True)
    links = grid_links(html)
    assert sorted(int(g) for g in links.values()) == sorted(ids["grids"])
    assert f'data-grid="{ids["other"]}"' not in html  # another street's grid is not drawn nor listed
    first = re.search(rf'<tr data-grid="{ids["grids"][0]}">(.*?)</tr>', html, re.S).group(1)
    assert [int(n) for n in re.findall(r'text-end">(\d+)<', first)] == [2, 0, 2]  # open, red, registered
    second = re.search(rf'<tr data-grid="{ids["grids"][1]}">(.*?)</tr>', html, re.S).group(1)
    assert "100.0%" in second  # 现场化解率: the one case registered there was resolved on the spot
    assert f"/cases/?grid={ids['grids'][0]}" in html


def test_the_measure_chooses_colours_legend_and_link(client, mapped):
    ids, names = mapped
    login(client, names["supervisor"])
    html = client.get("/supervision/map?measure=registered").get_data(as_text=True)
    href = {int(g): h for h, g in grid_links(html).items()}[ids["grids"][0]]
    assert "date_from=" in href and "date_to=" in href
    fills = dict(re.findall(r'<a class="grid"[^>]*data-grid="(\d+)".*?fill="(#[0-9a-f]{6})"', html, re.S))
    assert fills[str(ids["grids"][0])] != fills[str(ids["grids"][2])]  # 2 cases against none
    red = client.get("/supervision/map?measure=red").get_data(as_text=True)
    assert "colour=red" in red


def test_outlines_imported_again_are_drawn_anew(client, app, mapped, monkeypatch):
    """A drawing is kept by the process for the next request, but by what it was drawn from: outlines imported
    since (here the grids moved a row south) are drawn at once, and a grid that lost its outline is not drawn."""
    from app.org import geo

    ids, names = mapped
    login(client, names["supervisor"])
    fits = []
    monkeypatch.setattr(geo, "fit", lambda *args, **kwargs: fits.append(1) or fit(*args, **kwargs))

    def paths():
        html = client.get("/supervision/map").get_data(as_text=True)
        return dict(re.findall(r'data-grid="(\d+)"[^>]*>\s*<path d="([^"]+)"', html))

    before = paths()
    drawn = len(fits)  # 0 when an earlier test drew the same outlines in this process
    assert paths() == before and len(before) == len(ids["grids"]) and len(fits) == drawn  # kept, not drawn again
    with app.app_context():
        grids = db.session.query(Grid).filter(Grid.id.in_(ids["grids"])).order_by(Grid.id).all()
        south = [[[x, y - 0.05] for x, y in ring] for ring in square(120.70, 36.97)]
        import_geojson(collection([(grids[0].code, square(120.70, 36.97, size=0.02)), (grids[1].code, south)]),
                       source="test")
    after = paths()
    assert len(fits) == drawn + 1 and set(after) == set(before)
    assert after[str(ids["grids"][0])] != before[str(ids["grids"][0])]
    assert after[str(ids["grids"][1])] != before[str(ids["grids"][1])]
    with app.app_context():
        db.session.get(Grid, ids["grids"][2]).shape = None
        db.session.commit()
    assert set(paths()) == set(before) - {str(ids["grids"][2])}


def test_a_mediator_and_a_grid_worker_see_their_own_area(client, mapped):
    ids, names = mapped
    login(client, names["mediator"])
    assert sorted(int(g) for g in grid_links(client.get("/supervision/map").get_data(as_text=True)).values()) \
        == sorted(ids["grids"][:2])
    client.post("/logout", data={"csrf_token": f.csrf(client.get("/supervision/map").get_data(as_text=True))})
    login(client, names["gridworker"])
    assert [int(g) for g in grid_links(client.get("/supervision/map").get_data(as_text=True)).values()] \
        == [ids["grids"][0]]


def test_cases_without_a_grid_are_counted_under_the_map(client, app, mapped):
    """A case registered without a grid is on no grid: the map says how many,
    so that its figures and the statistics' add up; within the area only."""
    ids, names = mapped
    login(client, names["supervisor"])
    assert 'id="map-gridless"' not in client.get("/supervision/map").get_data(as_text=True)  # none yet
    with app.app_context():
        from app.disputes.models import Dispute

        for case_id in (ids["open1"],):
            db.session.get(Dispute, case_id).grid_id = None
        db.session.commit()
    html = client.get("/supervision/map").get_data(as_text=True)
    note = re.search(r'id="map-gridless">([^<]*)<', html).group(1)
    assert [int(n) for n in re.findall(r"\d+", note)] == [1, 0, 1]  # open, overdue, registered in the period
    listed = re.search(r'id="map-gridless-cases" href="([^"]+)"|href="([^"]+)" id="map-gridless-cases"', html)
    assert "/cases/?grid=none" in (listed.group(1) or listed.group(2))
    assert f'/cases/{ids["open1"]}"' in client.get("/cases/?grid=none").get_data(as_text=True)
    first = re.search(rf'<tr data-grid="{ids["grids"][0]}">(.*?)</tr>', html, re.S).group(1)
    assert [int(n) for n in re.findall(r'text-end">(\d+)<', first)] == [1, 0, 1]  # the grid keeps the other
    client.post("/logout", data={"csrf_token": f.csrf(html)})
    # A city supervisor: the whole city's note links to the list; one street's does not (the list has no
    # street filter and would show the city's cases without a grid).
    with app.app_context():
        from app.disputes.models import Dispute
        street_id = db.session.get(Dispute, ids["open1"]).street_id
        city = f.user("supervisor").username
        db.session.remove()
    login(client, city)
    assert 'id="map-gridless-cases"' in client.get("/supervision/map").get_data(as_text=True)
    one_street = client.get(f"/supervision/map?street={street_id}").get_data(as_text=True)
    assert 'id="map-gridless"' in one_street and 'id="map-gridless-cases"' not in one_street
    client.post("/logout", data={"csrf_token": f.csrf(one_street)})
    login(client, names["gridworker"])  # a grid worker's area is their grid: nothing to tell
    assert 'id="map-gridless"' not in client.get("/supervision/map").get_data(as_text=True)


def test_a_lawyer_is_refused_the_map(client, mapped):
    _ids, names = mapped
    login(client, names["lawyer"])
    assert client.get("/supervision/map").status_code == 403


def test_bad_filters_are_told_and_ignored(client, mapped):
    _ids, names = mapped
    login(client, names["supervisor"])
    response = client.get("/supervision/map?measure=bogus&date_from=yesterday")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.count('class="alert alert-warning"') == 2
    assert re.search(r'<option selected value="open">', html)  # the default measure, not the bogus one


def test_a_large_city_is_drawn_a_street_at_a_time(client, app, mapped, monkeypatch):
    """Past MAP_GRIDS grids a city's map lists its streets (their grids counted) instead of drawing every grid;
    a street chosen is drawn with its own figures; a street that does not exist is 404, one that is no number
    is told and ignored. A smaller city is drawn whole; a street supervisor cannot choose another street."""
    from app.supervision import grid_map

    ids, names = mapped
    with app.app_context():
        city = f.user("supervisor").username
    login(client, city)
    whole = client.get("/supervision/map").get_data(as_text=True)
    assert sorted(int(g) for g in grid_links(whole).values()) == sorted(ids["grids"])  # 8 grids: drawn whole
    assert f'<tr data-grid="{ids["other"]}">' in whole and 'id="map-choose-street"' not in whole

    monkeypatch.setattr(grid_map, "MAP_GRIDS", 5)
    html = client.get("/supervision/map?measure=red").get_data(as_text=True)
    assert grid_links(html) == {} and "<tr data-grid=" not in html
    assert "全市共有 8 个网格，无法一次画出：请选择街道，查看该街道的网格。" in html
    streets = re.findall(r'data-street="(\d+)"\s+href="([^"]+)">([^<]+)<span class="small text-muted">([^<]+)<', html)
    assert [count for *_, count in streets] == ["4 个网格", "4 个网格"]
    street_id, href = streets[0][0], streets[0][1].replace("&amp;", "&")
    assert "measure=red" in href and "date_from=" in href
    one = client.get(href).get_data(as_text=True)
    assert sorted(int(g) for g in grid_links(one).values()) == sorted(ids["grids"])
    assert f'data-grid="{ids["other"]}"' not in one and f'<option selected value="{street_id}">' in one
    first = re.search(rf'<tr data-grid="{ids["grids"][0]}">(.*?)</tr>', one, re.S).group(1)
    assert [int(n) for n in re.findall(r'text-end">(\d+)<', first)] == [2, 0, 2]  # open, red, registered
    assert client.get("/supervision/map?street=999999").status_code == 404
    told = client.get("/supervision/map?street=abc").get_data(as_text=True)
    assert 'class="alert alert-warning"' in told and 'id="map-choose-street"' in told

    client.post("/logout", data={"csrf_token": f.csrf(told)})
    login(client, names["supervisor"])
    other_street = client.get(f"/supervision/map?street={streets[1][0]}").get_data(as_text=True)
    assert sorted(int(g) for g in grid_links(other_street).values()) == sorted(ids["grids"])
    assert 'name="street"' not in other_street
    assert 'class="alert alert-warning"' not in client.get("/supervision/map?street=abc").get_data(as_text=True)


def test_without_outlines_the_page_says_how_to_import_them(client, app):
    with app.app_context():
        street, _cs, _grids = f.org()
        name = f.user("supervisor", street=street).username
    login(client, name)
    html = client.get("/supervision/map").get_data(as_text=True)
    assert 'id="map-empty"' in html and "flask org import-geojson" in html
    assert html.count("<tr data-grid=") == 4


# --- the demo's layout


def test_the_demo_layout_tiles_369_valid_grids_in_18_communities():
    counts = [21] * 9 + [20] * 9
    polygons = layout.city_layout(counts)
    assert [len(p) for p in polygons] == counts
    named = [(f"{c}-{n}", "", p) for c, ps in enumerate(polygons) for n, p in enumerate(ps)]
    outlines = read_geojson(layout.feature_collection(named), {code for code, _, _ in named})
    assert len(outlines) == 369
    pieces = [o.geometry for o in outlines]
    assert all(p.is_valid and p.area > 0 for p in pieces)
    total = sum(p.area for p in pieces)
    from shapely import union_all
    assert union_all(pieces).area == pytest.approx(total, rel=1e-3)  # no two grids overlap


def test_a_grid_whose_cases_all_await_acceptance_has_no_on_the_spot_rate(client, app, mapped):
    """The first grid's two cases await acceptance: nothing concluded, so its 现场化解率 reads "—" (table
    and tooltip) in the no-data colour, not 0.0% in the palette's first class; once one is resolved on the
    spot, 1 ÷ 2 registered = 50.0% (DOMAIN.md), and a grid whose case was rejected reads 0.0%."""
    from app.disputes.models import Dispute
    from app.supervision.grid_map import NO_DATA, PALETTES

    ids, names = mapped
    first = str(ids["grids"][0])
    login(client, names["supervisor"])

    def page():
        html = client.get("/supervision/map?measure=on_spot_rate").get_data(as_text=True)
        fills = dict(re.findall(r'<a class="grid"[^>]*data-grid="(\d+)".*?fill="(#[0-9a-f]{6})"', html, re.S))
        info = dict(re.findall(r'data-grid="(\d+)" data-info="([^"]*)"', html))
        rows = {g: re.findall(r'text-end">([^<]*)<', row)
                for g, row in re.findall(r'<tr data-grid="(\d+)">(.*?)</tr>', html, re.S)}
        return html, fills, info, rows

    html, fills, info, rows = page()
    assert rows[first] == ["2", "0", "2", "—"]
    assert fills[first] == NO_DATA and info[first].endswith(" —") and "%" not in info[first]
    legend = html[html.index('id="map-legend"'):]
    assert f'fill="{NO_DATA}"' in legend[:legend.index("</ul>")]  # the grey said in the legend
    # The table's "—" is said under it too, whatever colours the map (the legend speaks of one measure).
    for measure in ("on_spot_rate", "open"):
        shown = client.get(f"/supervision/map?measure={measure}").get_data(as_text=True)
        note = re.search(r'<p[^>]*id="map-table-no-rate">(.*?)</p>', shown, re.S)
        assert note and shown.index('id="map-table"') < shown.index('id="map-table-no-rate"')
    assert fills[str(ids["grids"][1])] == PALETTES["default"][-1]  # 100%: the darkest class
    with app.app_context():
        mediator = db.session.get(Dispute, ids["open1"]).created_by
        f.walk(db.session.get(Dispute, ids["open1"]), mediator, "resolve_on_spot")
        third = f.dispute(mediator, db.session.get(Grid, ids["grids"][2]))
        f.walk(third, f.user("mediator", community=third.community), "reject")
        db.session.remove()
    html, fills, info, rows = page()
    assert rows[first][-1] == "50.0%" and "50.0%" in info[first] and fills[first] not in (NO_DATA,)
    assert rows[str(ids["grids"][2])][-1] == "0.0%" and fills[str(ids["grids"][2])] == PALETTES["default"][0]
    assert rows[str(ids["grids"][3])][-1] == "—" and fills[str(ids["grids"][3])] == NO_DATA  # nothing registered
