"""The grid worker who registered a case hears what became of it (accepted
with its file number, refused with the reason, closed), and finds the cases
they registered under "Registered by me"."""
import json
import re

import pytest
from sqlalchemy import select

from app.disputes.models import Dispute
from app.extensions import db
from app.notifications.models import Notification
from app.notifications.service import text_of
from tests import factories as f
from tests.factories import csrf, login


@pytest.fixture
def world(app):
    with app.app_context():
        street, (c1, c2), grids = f.org()
        m1 = f.user("mediator", community=c1)
        gw = f.user("gridworker", grid=grids[0])
        other_gw = f.user("gridworker", grid=grids[0])
        w = dict(
            m1=m1.username, m1_id=m1.id, gw=gw.username, gw_id=gw.id, other_gw_id=other_gw.id,
            by_gw=f.dispute(gw, grids[0]).id,
            by_other=f.dispute(other_gw, grids[0]).id,
            by_mediator=f.dispute(m1, grids[0]).id,
        )
        return type("World", (), w)


def users(app):
    with app.app_context():
        return {u.username: u for u in db.session.execute(select(f.User)).scalars()}


def walk(app, case_id, username, *triggers):
    with app.app_context():
        d = db.session.get(Dispute, case_id)
        actor = db.session.execute(select(f.User).where(f.User.username == username)).scalar_one()
        f.walk(d, actor, *triggers)
        return d.file_no


def notices(app, user_id):
    with app.app_context():
        rows = db.session.execute(select(Notification).where(Notification.user_id == user_id)
                                  .order_by(Notification.id)).scalars().all()
        return [(n.kind, n.entity_id, json.loads(n.data)) for n in rows]


def english(client):
    page = client.get("/cases/").get_data(as_text=True)
    client.post("/language/en", data={"csrf_token": csrf(page), "next": "/cases/"})


def test_acceptance_tells_the_registrar_the_file_number(app, client, world):
    file_no = walk(app, world.by_gw, world.m1, "accept")
    assert notices(app, world.gw_id) == [("registered_accepted", world.by_gw,
                                          {"case": f"#{world.by_gw}", "file_no": file_no})]
    login(client, world.gw)
    english(client)
    page = client.get("/notifications/").get_data(as_text=True)
    assert f"Case #{world.by_gw} that you registered was accepted for mediation: its file number is {file_no}." in page
    # Only the one who registered it: not the other grid worker of the grid, not the mediator who acted.
    assert notices(app, world.other_gw_id) == [] and notices(app, world.m1_id) == []


def test_refusal_tells_the_registrar_the_reason(app, client, world):
    walk(app, world.by_gw, world.m1, "reject")  # the factory's reason: 理由
    assert notices(app, world.gw_id) == [("registered_rejected", world.by_gw,
                                          {"case": f"#{world.by_gw}", "reason": "理由"})]
    with app.test_request_context():
        note = db.session.execute(select(Notification).where(Notification.user_id == world.gw_id)).scalar_one()
        assert text_of(note).endswith("理由")


def test_closure_tells_the_registrar(app, world):
    walk(app, world.by_gw, world.m1, "resolve_on_spot", "close")
    kinds = [kind for kind, *_ in notices(app, world.gw_id)]
    assert kinds == ["registered_closed"]
    with app.app_context():
        title = db.session.get(Dispute, world.by_gw).title
    assert notices(app, world.gw_id)[-1][2] == {"case": title}


def test_a_registrar_who_closes_the_case_is_not_told(app, world):
    walk(app, world.by_gw, world.gw, "resolve_on_spot", "close")
    assert notices(app, world.gw_id) == []


def test_a_case_registered_by_a_mediator_tells_no_one(app, world):
    walk(app, world.by_mediator, world.m1, "accept")
    with app.app_context():
        assert db.session.execute(select(Notification)).first() is None


def test_registered_by_me_lists_their_cases_closed_ones_too(app, client, world):
    walk(app, world.by_gw, world.m1, "reject")
    login(client, world.gw)
    english(client)
    mine = client.get("/cases/mine").get_data(as_text=True)
    assert 'id="mine-registered"' in mine
    page = client.get("/cases/mine?registered=1")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    linked = {int(i) for i in re.findall(r'href="/cases/(\d+)"', html)}
    assert world.by_gw in linked  # refused: no longer open, still theirs
    assert world.by_other not in linked and world.by_mediator not in linked
    assert re.search(r'class="nav-link active" aria-current="page" href="/cases/mine\?registered=1"', html)


def test_a_mediator_has_no_registered_tab(app, client, world):
    login(client, world.m1)
    page = client.get("/cases/mine?registered=1").get_data(as_text=True)
    assert 'id="mine-registered"' not in page
