"""The screening alliance (联合体): a sweep records who took part from the
people the system knows, each as their kind of member; an unknown person is
refused with nothing written; the statistics count held sweeps by who took
part, against counts made by hand."""
import re
from datetime import datetime

import pytest
from sqlalchemy import select

from app import clock
from app.extensions import db
from app.sweeps.models import Sweep, SweepParticipant
from tests import factories as f
from tests import factories_referrals as fr
from tests.factories import csrf, login

NOW = datetime(2026, 3, 12, 2, 0)  # Thursday 12 March 2026, 10:00 Shanghai


@pytest.fixture
def world(app):
    with app.app_context():
        street, (c1, c2), grids = f.org()
        mediator = f.user("mediator", community=c1)
        gw = f.user("gridworker", grid=grids[0])
        police = fr.liaison(fr.department("公安"))
        lawyer = f.user("lawyer")
        helper = f.user("assistant", grid=grids[0])
        stranger = f.user("gridworker", grid=grids[2])  # community 2: not a candidate for community 1
        w = dict(mediator=mediator.username, c1=c1.id, c2=c2.id, gw=gw.id, police=police.id, lawyer=lawyer.id,
                 helper=helper.id, stranger=stranger.id, sup=f.user("supervisor", street=street).username,
                 mediator2=f.user("mediator", community=c2).username)
        db.session.remove()
    clock.set_now(NOW)
    yield type("World", (), w)
    clock.set_now(None)


def record(client, community_id, held_on, people):
    page = client.get("/sweeps/record").get_data(as_text=True)
    return client.post("/sweeps/record", data={
        "csrf_token": csrf(page), "place": f"community:{community_id}", "held_on": held_on,
        "checked": ["disputes"], "findings": "未发现新的矛盾纠纷。", "participant_ids": [str(i) for i in people]})


def test_a_sweep_records_its_alliance_and_the_statistics_count_it(client, app, world):
    login(client, world.mediator)
    page = client.get("/sweeps/record").get_data(as_text=True)
    assert f'id="person-{world.police}"' in page and f'id="person-{world.stranger}"' not in page
    refused = record(client, world.c1, "2026-03-10", [world.gw, world.stranger])
    assert refused.status_code == 422
    with app.app_context():
        assert db.session.execute(select(Sweep).where(Sweep.state == "done")).first() is None
    assert record(client, world.c1, "2026-03-10", [world.gw, world.police, world.lawyer]).status_code == 302
    with app.app_context():
        kinds = dict(db.session.execute(select(SweepParticipant.user_id, SweepParticipant.kind)).all())
        sweep_id = db.session.execute(select(Sweep.id).where(Sweep.state == "done")).scalar_one()
    assert kinds == {world.gw: "gridworker", world.police: "police", world.lawyer: "legal_adviser"}
    shown = client.get(f"/sweeps/{sweep_id}").get_data(as_text=True)
    assert 'data-kind="police"' in shown
    # Another community's sweep the same week, with the grid worker of that community... none known: none named.
    other = app.test_client()
    login(other, world.mediator2)
    assert record(other, world.c2, "2026-03-11", []).status_code == 302
    sup = app.test_client()
    login(sup, world.sup)
    stats = sup.get("/supervision/stats?month_from=2026-03&month_to=2026-03").get_data(as_text=True)
    figures = dict(re.findall(r'data-figure="sweeps_with_(\w+)">(\d+)<', stats))
    assert figures == {"gridworker": "1", "police": "1", "legal_adviser": "1", "cadre": "0", "volunteer": "0",
                       "department": "0"}
    assert re.search(r'data-figure="sweeps_community">2<', stats)
