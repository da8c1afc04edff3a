"""The administrators' organisation pages (/admin/places): the tree with its
open cases and users, renaming a street, community or grid (a name already
used where it would clash refused, a rename made meanwhile caught with 409),
adding a community to a street and a grid (without an outline) to a
community, and importing grid outlines from a GeoJSON file. Every change is
audited in its transaction; other roles get 403; CSRF is checked."""
import io
import json
import re

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.extensions import db
from app.org.models import Community, Grid, Street
from tests import factories as f
from tests.factories import csrf
from tests.test_grid_map import collection, square
from tests.test_referrals_web import as_user


@pytest.fixture
def world(app):
    with app.app_context():
        street, (c1, c2), grids = f.org()
        _other, (oc1, _oc2), _ogrids = f.org()
        mediator = f.user("mediator", community=c1)
        f.user("gridworker", grid=grids[0])
        f.dispute(mediator, grids[0])
        f.dispute(mediator, grids[1])
        f.user("admin", username="boss")
        f.user("supervisor", username="sup", street=street)
        w = dict(street=street.id, street_name=street.name, c1=c1.id, c1_name=c1.name, c2=c2.id, c2_name=c2.name,
                 grid=grids[0].id, grid_name=grids[0].name, grid2_name=grids[1].name, other_community=oc1.id,
                 other_street_name=_other.name, mediator=mediator.username)
        db.session.remove()
    return type("World", (), w)


def org_events(app):
    with app.app_context():
        return [(e.trigger, json.loads(e.data)) for e in db.session.execute(
            select(AuditEvent).where(AuditEvent.entity_type == "org").order_by(AuditEvent.id)).scalars()]


def post(client, page_url, url, **data):
    page = client.get(page_url).get_data(as_text=True)
    return client.post(url, data={"csrf_token": csrf(page), **data})


def rename(client, kind, place_id, name, was=None):
    url = f"/admin/places/{kind}/{place_id}"
    page = client.get(url).get_data(as_text=True)
    if was is None:
        was = re.search(r'name="was" type="hidden" value="([^"]*)"', page).group(1)
    return client.post(url, data={"csrf_token": csrf(page), "name": name, "was": was})


def test_the_tree_lists_streets_communities_and_grids_with_their_counts(client, world):
    as_user(client, "boss")
    html = client.get("/admin/places").get_data(as_text=True)
    assert world.street_name in html and world.c1_name in html and world.grid_name in html
    community_row = re.search(rf'<tr data-community="{world.c1}">.*?</tr>', html, re.S).group(0)
    # Two open cases and two users (the mediator, the grid worker) in the first community.
    assert re.findall(r'<td class="text-end">(\d+)</td>', community_row) == ["2", "1"]
    assert f'data-no-outline="{world.grid}"' in html  # no grid has an outline yet
    grid_page = client.get(f"/admin/places/grid/{world.grid}").get_data(as_text=True)
    assert 'id="no-outline"' in grid_page and "Open cases 1 · Users 1" in grid_page


@pytest.mark.parametrize("role", ["supervisor", "mediator"])
def test_other_roles_are_refused(client, app, world, role):
    with app.app_context():
        user = f.user(role, community=db.session.get(Community, world.c1)) if role == "mediator" \
            else f.user(role, street=db.session.get(Street, world.street))
        name = user.username
    as_user(client, name)
    for url in ("/admin/places", f"/admin/places/street/{world.street}", f"/admin/places/grid/{world.grid}"):
        assert client.get(url).status_code == 403
    page = client.get("/today").get_data(as_text=True)
    for url, data in ((f"/admin/places/street/{world.street}", {"name": "X", "was": world.street_name}),
                      (f"/admin/places/street/{world.street}/communities", {"name": "X"}),
                      (f"/admin/places/community/{world.c1}/grids", {"name": "X"})):
        assert client.post(url, data={"csrf_token": csrf(page), **data}).status_code == 403
    assert org_events(app) == []


def test_a_post_without_its_csrf_token_is_refused(client, app, world):
    as_user(client, "boss")
    response = client.post(f"/admin/places/street/{world.street}", data={"name": "新名", "was": world.street_name})
    assert response.status_code == 400
    response = client.post(f"/admin/places/street/{world.street}/communities", data={"name": "新社区"})
    assert response.status_code == 400
    assert org_events(app) == []


def test_rename_each_kind_audited_a_clashing_name_refused(client, app, world):
    as_user(client, "boss")
    # A community of the same street already has the name: refused on the field, nothing written.
    taken = rename(client, "community", world.c1, f" {world.c2_name} ")
    assert taken.status_code == 422
    html = taken.get_data(as_text=True)
    assert f"already has a community called {world.c2_name}. Choose another name" in html
    assert re.search(r'<input [^>]*autofocus[^>]*id="name"', html)
    assert rename(client, "street", world.street, world.other_street_name).status_code == 422
    assert rename(client, "grid", world.grid, world.grid2_name).status_code == 422
    assert org_events(app) == []

    done = rename(client, "community", world.c1, "  东关   社区 ")
    assert done.status_code == 302
    assert "is now called 东关 社区" in client.get(done.headers["Location"]).get_data(as_text=True)
    assert rename(client, "street", world.street, "城厢街道").status_code == 302
    assert rename(client, "grid", world.grid, "第一网格").status_code == 302
    with app.app_context():
        assert db.session.get(Community, world.c1).name == "东关 社区"
        assert db.session.get(Street, world.street).name == "城厢街道"
        assert db.session.get(Grid, world.grid).name == "第一网格"
    assert org_events(app) == [
        ("community_renamed", {"community_id": world.c1, "changes": {"name": [world.c1_name, "东关 社区"]}}),
        ("street_renamed", {"street_id": world.street, "changes": {"name": [world.street_name, "城厢街道"]}}),
        ("grid_renamed", {"grid_id": world.grid, "changes": {"name": [world.grid_name, "第一网格"]}}),
    ]
    # The same name again: nothing changed, nothing audited.
    same = rename(client, "grid", world.grid, "第一网格")
    assert "Nothing was changed." in client.get(same.headers["Location"]).get_data(as_text=True)
    assert len(org_events(app)) == 3
    # A grid of another community may have the name a grid of this one has.
    with app.app_context():
        other_grid = db.session.execute(select(Grid.id).where(Grid.community_id == world.c2)).scalars().first()
    assert rename(client, "grid", other_grid, "第一网格").status_code == 302


def test_a_rename_made_meanwhile_is_not_overwritten(client, app, world):
    as_user(client, "boss")
    stale = rename(client, "street", world.street, "甲街道", was="an older name")
    assert stale.status_code == 409
    assert "Another administrator renamed it meanwhile" in stale.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Street, world.street).name == world.street_name
    assert org_events(app) == []


def test_add_a_community_and_a_grid_without_an_outline(client, app, world):
    as_user(client, "boss")
    street_url = f"/admin/places/street/{world.street}"
    taken = post(client, street_url, f"{street_url}/communities", name=world.c1_name)
    assert taken.status_code == 422 and "already has a community called" in taken.get_data(as_text=True)
    empty = post(client, street_url, f"{street_url}/communities", name="  ")
    assert empty.status_code == 422 and "Give the community's name." in empty.get_data(as_text=True)
    # Another street's community name is free here.
    with app.app_context():
        other_name = db.session.get(Community, world.other_community).name
    assert post(client, street_url, f"{street_url}/communities", name=other_name).status_code == 302
    added = post(client, street_url, f"{street_url}/communities", name="新城社区")
    assert added.status_code == 302
    with app.app_context():
        community = db.session.execute(select(Community).where(Community.name == "新城社区")).scalar_one()
        assert community.street_id == world.street
        community_id = community.id
        db.session.execute(select(Grid).where(Grid.id == world.grid)).scalar_one().code = "G01"
        db.session.commit()
    community_url = f"/admin/places/community/{community_id}"
    clash = post(client, community_url, f"{community_url}/grids", name="第1网格", code="g01")
    assert clash.status_code == 422 and "The code g01 is already the code of" in clash.get_data(as_text=True)
    bad = post(client, community_url, f"{community_url}/grids", name="第1网格", households="0")
    assert bad.status_code == 422
    made = post(client, community_url, f"{community_url}/grids", name="第1网格", code="XC01", households="320")
    assert made.status_code == 302
    assert "It has no outline yet" in client.get(made.headers["Location"]).get_data(as_text=True)
    again = post(client, community_url, f"{community_url}/grids", name="第1网格")
    assert again.status_code == 422 and "already has a grid called 第1网格" in again.get_data(as_text=True)
    with app.app_context():
        grid = db.session.execute(select(Grid).where(Grid.community_id == community_id)).scalar_one()
        assert (grid.name, grid.code, grid.households, grid.shape) == ("第1网格", "XC01", 320, None)
        grid_id = grid.id
    events = org_events(app)
    assert [t for t, _d in events] == ["community_added", "community_added", "grid_added"]
    assert events[1][1] == {"community_id": community_id, "street_id": world.street, "name": "新城社区"}
    assert events[2][1] == {"grid_id": grid_id, "community_id": community_id, "name": "第1网格", "code": "XC01",
                            "households": 320}

    # The grid without an outline: the map leaves it off the drawing and gives it a row of the table.
    page = as_user(app.test_client(), "sup").get("/supervision/map").get_data(as_text=True)
    assert f'<tr data-grid="{grid_id}">' in page and f'data-grid="{grid_id}" data-info' not in page
    # The audit log reads the new events in words.
    audit = client.get("/audit/").get_data(as_text=True)
    assert "Grid added" in audit and "Community added" in audit


def test_outlines_are_imported_from_an_uploaded_file(client, app, world):
    as_user(client, "boss")
    with app.app_context():
        grid = db.session.get(Grid, world.grid)
        grid.code = "G01"
        db.session.commit()
    page = client.get("/admin/places").get_data(as_text=True)

    def upload(text, name="grids.geojson"):
        return client.post("/admin/places/outlines", data={"csrf_token": csrf(page),
                                                           "file": (io.BytesIO(text.encode()), name)},
                           content_type="multipart/form-data")

    none = client.post("/admin/places/outlines", data={"csrf_token": csrf(page)}, content_type="multipart/form-data")
    assert none.status_code == 422 and "Choose the GeoJSON file to import." in none.get_data(as_text=True)
    faulty = upload(collection([("G01", square(120.7, 36.9)), ("X9", square(120.71, 36.9))]))
    assert faulty.status_code == 422
    html = faulty.get_data(as_text=True)
    assert "Nothing was imported: the file has 1 problem" in html and "unknown grid code &#39;X9&#39;" in html
    assert upload("not json").status_code == 422
    assert org_events(app) == []
    text = collection([("G01", square(120.7, 36.9)), (f"{world.c1_name}/{world.grid2_name}", square(120.71, 36.9))])
    done = upload(text)
    assert done.status_code == 302
    assert "2 grid outlines imported" in client.get(done.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Grid, world.grid).shape is not None
    assert org_events(app)[-1][0] == "grid_outlines_imported"
    assert org_events(app)[-1][1]["source"] == "grids.geojson"
