"""The coordinator's roster and load table: scope (their own street),
audited and version-checked edits, masked phones, bad input."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app import clock
from app.audit.personal import open_all
from app.audit.models import AuditEvent
from app.elders import steps
from app.elders.models import Elder
from app.extensions import db
from app.org.models import Community, Grid
from tests import factories as f
from tests import factories_elders as fe
from tests.factories import csrf, login


@pytest.fixture
def world(app):
    with app.app_context():
        street, (c1, c2), grids = f.org()
        other_street, (o1, _o2), _ = f.org()
        coordinator = f.user("coordinator", street=street)
        account = f.user("elder", community=c1)
        e = fe.elder(c1, name="张德厚", phone="13912345678")
        far = fe.elder(o1, name="外街老人")
        ids = dict(street=street.id, c1=c1.id, c2=c2.id, grid_c1=grids[0].id, grid_c2=grids[2].id,
                   coordinator=coordinator.username, account=account.id, elder=e.id, far=far.id,
                   other_community=o1.id)
        db.session.remove()
    return ids


def events(app, elder_id):
    with app.app_context():
        rows = list(db.session.execute(
            select(AuditEvent).where(AuditEvent.entity_type == "elder", AuditEvent.entity_id == elder_id)
            .order_by(AuditEvent.id)).scalars())
        # personal values decrypted (stored encrypted: test_shred.py)
        return [(e.trigger, data) for e, data in zip(rows, open_all(rows, db.session))]


def count_events(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(AuditEvent))


def elder_form(world, **over):
    data = {"name": "李淑珍", "category": "teacher", "community_id": world["c1"], "grid_id": world["grid_c1"],
            "address": "幸福路3号", "phone": "13700001111", "expertise": ["neighbour", "marriage_family"],
            "languages": "莱阳话", "max_concurrent": "3", "active": "y", "user_id": world["account"], "notes": ""}
    data.update(over)
    return data


def test_the_coordinator_adds_an_elder_and_it_is_audited(app, client, world):
    login(client, world["coordinator"])
    page = client.get("/elders/roster/new")
    assert page.status_code == 200
    response = client.post("/elders/roster/new", data=dict(elder_form(world), csrf_token=csrf(page.get_data(as_text=True))))
    assert response.status_code == 302
    with app.app_context():
        e = db.session.execute(select(Elder).where(Elder.name == "李淑珍")).scalar_one()
        assert (e.street_id, e.category, e.expertise, e.max_concurrent, e.user_id) == (
            world["street"], "teacher", ["marriage_family", "neighbour"], 3, world["account"])
        new_id = e.id
    [(trigger, data)] = events(app, new_id)
    assert trigger == "roster_add" and data["phone"] == "13700001111"
    shown = client.get(f"/elders/roster/{new_id}").get_data(as_text=True)
    assert "137****1111" in shown and "13700001111" not in shown


def test_bad_roster_input_writes_nothing(app, client, world):
    login(client, world["coordinator"])
    token = csrf(client.get("/elders/roster/new").get_data(as_text=True))
    before = count_events(app)
    for bad in ({"name": ""}, {"phone": "12345"}, {"max_concurrent": "0"}, {"category": "wizard"},
                {"community_id": world["other_community"]}, {"grid_id": world["grid_c2"]}):
        response = client.post("/elders/roster/new", data=dict(elder_form(world, **bad), csrf_token=token))
        assert response.status_code == 422, bad
    assert count_events(app) == before


def test_an_edit_records_before_and_after_and_a_stale_form_is_refused(app, client, world):
    login(client, world["coordinator"])
    page = client.get(f"/elders/roster/{world['elder']}/edit").get_data(as_text=True)
    assert "13912345678" not in page  # never shown in full, not even in the form
    token = csrf(page)
    with app.app_context():
        version = db.session.get(Elder, world["elder"]).version
    form = elder_form(world, name="张德厚", phone="", address="", user_id="", version=version, max_concurrent="4",
                      active="", csrf_token=token)
    assert client.post(f"/elders/roster/{world['elder']}/edit", data=form).status_code == 302
    trigger, data = events(app, world["elder"])[-1]
    assert trigger == "roster_edit"
    assert data["changes"]["max_concurrent"] == [2, 4]
    assert data["changes"]["active"] == [True, False]
    assert "phone" not in data["changes"]  # blank keeps the stored number
    before = count_events(app)
    again = client.post(f"/elders/roster/{world['elder']}/edit", data=dict(form, max_concurrent="5"))
    assert again.status_code == 409
    assert count_events(app) == before


def test_unavailable_dates_and_relations_are_added_and_removed_with_an_audit(app, client, world):
    login(client, world["coordinator"])
    page = client.get(f"/elders/roster/{world['elder']}").get_data(as_text=True)
    token = csrf(page)
    with app.app_context():
        version = db.session.get(Elder, world["elder"]).version
    today = (clock.now() + timedelta(hours=8)).date()
    bad = client.post(f"/elders/roster/{world['elder']}/unavailable",
                      data={"csrf_token": token, "away-version": version, "away-start_on": today.isoformat(),
                            "away-end_on": (today - timedelta(days=2)).isoformat()})
    assert bad.status_code == 422
    ok = client.post(f"/elders/roster/{world['elder']}/unavailable",
                     data={"csrf_token": token, "away-version": version, "away-start_on": today.isoformat(),
                           "away-end_on": (today + timedelta(days=6)).isoformat(), "away-note": "住院"})
    assert ok.status_code == 302
    relation = client.post(f"/elders/roster/{world['elder']}/relations",
                           data={"csrf_token": token, "rel-version": version + 1, "rel-name": "张小明",
                                 "rel-relation": "relative", "rel-id_number": "11010519491231002X"})
    assert relation.status_code == 302
    with app.app_context():
        e = db.session.get(Elder, world["elder"])
        assert [(u.start_on, u.end_on, u.note) for u in e.unavailable] == [(today, today + timedelta(days=6), "住院")]
        assert [(r.name, r.id_number) for r in e.relations] == [("张小明", "11010519491231002X")]
        relation_id, version = e.relations[0].id, e.version
    shown = client.get(f"/elders/roster/{world['elder']}").get_data(as_text=True)
    assert "1101**********002X" in shown and "11010519491231002X" not in shown
    # Removing a relation ends its conflict check: it asks first, naming the person, with a script or without.
    removing = re.search(rf'<form method="post" action="[^"]*/relations/{relation_id}/delete".*?</form>', shown, re.S).group(0)
    assert "data-confirm=" in removing and "张小明" in removing and 'name="_confirm"' in removing
    gone = client.post(f"/elders/roster/{world['elder']}/relations/{relation_id}/delete",
                       data={"csrf_token": token, "version": version})
    assert gone.status_code == 302
    assert [t for t, _ in events(app, world["elder"])] == ["unavailable_add", "relation_add", "relation_remove"]


def test_a_coordinator_sees_only_their_street(app, client, world):
    login(client, world["coordinator"])
    roster = client.get("/elders/roster").get_data(as_text=True)
    assert "张德厚" in roster and "外街老人" not in roster
    # The Chinese name is the heading itself; it is added as a subtitle on the English page only.
    assert re.search(r'<h1 class="h4 mb-0">五老和事会 <small class="text-muted">\(\d+\)</small></h1>', roster)
    assert client.get(f"/elders/roster/{world['far']}").status_code == 404
    assert client.get(f"/elders/roster/{world['far']}/edit").status_code == 404


@pytest.mark.parametrize("role", ["supervisor", "coordinator"])
def test_the_city_level_sees_every_streets_elders_and_a_street_its_own(app, client, world, role):
    """A supervisor or coordinator of the whole city has no street: their
    load table listed no elder at all ("no elders on the roster")."""
    with app.app_context():
        city = f.user(role).username
        street = f.user(role, street=db.session.get(Community, world["c1"]).street).username
    login(client, city)
    load = client.get("/elders/load").get_data(as_text=True)
    assert f'data-elder-id="{world["elder"]}"' in load and f'data-elder-id="{world["far"]}"' in load
    if role == "coordinator":
        roster = client.get("/elders/roster").get_data(as_text=True)
        assert "张德厚" in roster and "外街老人" in roster
        assert client.get(f"/elders/roster/{world['far']}/edit").status_code == 200
    client = app.test_client()
    login(client, street)
    load = client.get("/elders/load").get_data(as_text=True)
    assert f'data-elder-id="{world["elder"]}"' in load and f'data-elder-id="{world["far"]}"' not in load


@pytest.mark.parametrize("role", ["mediator", "elder", "gridworker", "lawyer"])
def test_other_roles_cannot_keep_the_roster(app, client, world, role):
    with app.app_context():
        username = f.user(role, community=db.session.get(Community, world["c1"])).username
    login(client, username)
    assert client.get("/elders/roster").status_code == 403
    assert client.get(f"/elders/roster/{world['elder']}").status_code == 403


def test_revealing_the_phone_is_recorded(app, client, world):
    login(client, world["coordinator"])
    token = csrf(client.get(f"/elders/roster/{world['elder']}").get_data(as_text=True))
    shown = client.post(f"/elders/roster/{world['elder']}/reveal", data={"csrf_token": token})
    assert shown.status_code == 200 and "13912345678" in shown.get_data(as_text=True)
    assert events(app, world["elder"])[-1] == ("reveal", {"fields": ["phone"]})


def test_the_load_table_shows_who_is_busy_and_the_rates(app, client, world):
    with app.app_context():
        c1 = db.session.get(Community, world["c1"])
        mediator = f.user("mediator", community=c1)
        busy, busy_user = fe.elder_with_login(c1, name="忙碌老人", max_concurrent=1)
        grid = db.session.get(Grid, world["grid_c1"])
        first = fe.invite(fe.case_in_mediation(mediator, grid), busy, mediator)
        steps.act(first, "decline", busy_user, "没空")
        second = fe.invite(fe.case_in_mediation(mediator, grid), busy, mediator)
        steps.act(second, "accept", busy_user)
        busy_id = busy.id
        db.session.remove()
    login(client, world["coordinator"])
    html = client.get("/elders/load").get_data(as_text=True)
    row = html[html.index(f'data-elder-id="{busy_id}"'):]
    row = row[:row.index("</tr>")]
    assert "1 / 1" in row and "bg-danger" in row            # full
    assert "(50%)" in row                                    # one accepted, one declined of two answered
    assert "(今天)" in row and "0天前" not in row                # last asked today, said as people say it
    never = html[html.index(f'data-elder-id="{world["elder"]}"'):]
    assert "bg-info" in never[:never.index("</tr>")]         # never asked
    # Never asked come first when sorted by waiting.
    assert html.index(f'data-elder-id="{world["elder"]}"') < html.index(f'data-elder-id="{busy_id}"')


def test_one_unavailable_day_alone_is_checked_like_a_period(app, client, world):
    """With "until" left empty the single day is still checked: not year 1,
    not a day already over; nothing written."""
    login(client, world["coordinator"])
    token = csrf(client.get(f"/elders/roster/{world['elder']}").get_data(as_text=True))
    with app.app_context():
        version = db.session.get(Elder, world["elder"]).version
    today = (clock.now() + timedelta(hours=8)).date()
    for start in ("0001-01-01", (today - timedelta(days=3)).isoformat()):
        response = client.post(f"/elders/roster/{world['elder']}/unavailable",
                                data={"csrf_token": token, "away-version": version, "away-start_on": start})
        assert response.status_code == 422, start
    with app.app_context():
        assert db.session.get(Elder, world["elder"]).unavailable == []


def test_the_elders_id_number_is_kept_masked_and_audited(app, client, world):
    login(client, world["coordinator"])
    page = client.get(f"/elders/roster/{world['elder']}/edit").get_data(as_text=True)
    token = csrf(page)
    with app.app_context():
        version = db.session.get(Elder, world["elder"]).version
    form = elder_form(world, name="张德厚", phone="", user_id="", version=version, csrf_token=token)
    before = count_events(app)
    bad = client.post(f"/elders/roster/{world['elder']}/edit", data=dict(form, id_number="370682195503150018"))
    assert bad.status_code == 422 and count_events(app) == before
    ok = client.post(f"/elders/roster/{world['elder']}/edit", data=dict(form, id_number="11010519491231002x"))
    assert ok.status_code == 302
    trigger, data = events(app, world["elder"])[-1]
    assert trigger == "roster_edit" and data["changes"]["id_number"] == [None, "11010519491231002X"]
    shown = client.get(f"/elders/roster/{world['elder']}").get_data(as_text=True)
    assert "11010519491231002X" not in shown and "1101**********002X" in shown
    edit_page = client.get(f"/elders/roster/{world['elder']}/edit").get_data(as_text=True)
    assert "11010519491231002X" not in edit_page
    # Left blank, the stored number stays.
    with app.app_context():
        version = db.session.get(Elder, world["elder"]).version
    client.post(f"/elders/roster/{world['elder']}/edit", data=dict(form, version=version, max_concurrent="4"))
    with app.app_context():
        assert db.session.get(Elder, world["elder"]).id_number == "11010519491231002X"


def test_a_relation_sent_back_opens_its_section_and_leads_to_it(app, client, world):
    """The form sits in a closed <details> below the elder's unavailable dates:
    sent back with its errors it comes back open, linked from the top message,
    its first marked field focused; nothing is written."""
    login(client, world["coordinator"])
    page = client.get(f"/elders/roster/{world['elder']}").get_data(as_text=True)
    closed = r'<details\s*>\s*<summary[^>]*>[^<]*</summary>\s*<form[^>]*id="relation-form"'
    assert re.search(closed, page)
    with app.app_context():
        version = db.session.get(Elder, world["elder"]).version
    before = count_events(app)
    answer = client.post(f"/elders/roster/{world['elder']}/relations",
                         data={"csrf_token": csrf(page), "rel-version": version, "rel-name": "",
                               "rel-relation": "relative", "rel-phone": "123"})
    assert answer.status_code == 422
    html = answer.get_data(as_text=True)
    f.assert_sent_back(html, "rel-name", "relation-form")
    assert re.search(closed.replace(r"<details\s*>", "<details open>"), html)
    assert count_events(app) == before
