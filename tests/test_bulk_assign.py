"""A mediator accepts several waiting reports at once and assigns them to a
colleague (issue 16, item 9): two audited steps per case, version-checked;
a case changed meanwhile is named and left alone."""
import re
from datetime import datetime

import pytest
from sqlalchemy import select

from app import clock
from app.audit.models import AuditEvent
from app.audit.verify import verify
from app.disputes.models import Dispute
from app.extensions import db
from tests import factories as f
from tests.factories import csrf, login

NOW = datetime(2026, 3, 9, 2, 0)


@pytest.fixture
def world(app):
    with app.app_context():
        clock.set_now(NOW)
        _street, (c1, c2), grids = f.org()
        me = f.user("mediator", community=c1)
        colleague = f.user("mediator", community=c1)
        stranger = f.user("mediator", community=c2)
        worker = f.user("gridworker", grid=grids[0])
        cases = [f.dispute(worker, grids[0]).id for _ in range(3)]
        w = type("World", (), dict(me=me.username, colleague=colleague.id, colleague_name=colleague.display_name,
                                   stranger=stranger.id, cases=cases, me_id=me.id))
        db.session.remove()
    return w


def ticks(html):
    return dict(re.findall(r'name="case" value="(\d+):(\d+)"', html))


def steps(app, trigger):
    with app.app_context():
        return sorted(db.session.execute(select(AuditEvent.entity_id).where(
            AuditEvent.entity_type == "dispute", AuditEvent.trigger == trigger)).scalars())


def test_three_reports_accepted_and_assigned_to_a_colleague(client, app, world):
    login(client, world.me)
    html = client.get("/cases/mine").get_data(as_text=True)
    shown = ticks(html)
    assert set(shown) == {str(c) for c in world.cases}
    assert f'<option value="{world.colleague}">{world.colleague_name}</option>' in html
    response = client.post("/cases/mine/assign", data={
        "csrf_token": csrf(html), "mediator_id": world.colleague,
        "case": [f"{c}:{shown[str(c)]}" for c in world.cases]}, follow_redirects=True)
    assert response.status_code == 200
    assert world.colleague_name in re.search(r'alert-success[^>]*>(.*?)<', response.get_data(as_text=True),
                                             re.S).group(1)
    assert steps(app, "accept") == steps(app, "assign") == sorted(world.cases)
    with app.app_context():
        for case_id in world.cases:
            d = db.session.get(Dispute, case_id)
            assert (d.state, d.assignee_id) == ("assigned", world.colleague)
        assert verify() == []
    assert ticks(client.get("/cases/mine").get_data(as_text=True)) == {}


def test_a_case_accepted_on_its_page_waits_and_is_only_assigned(client, app, world):
    """Accepted on the case page without a mediator, a case stays in the
    community's inbox; ticked, it is assigned (not accepted again)."""
    login(client, world.me)
    page = client.get(f"/cases/{world.cases[0]}").get_data(as_text=True)
    with app.app_context():
        version = db.session.get(Dispute, world.cases[0]).version
    accepted = client.post(f"/cases/{world.cases[0]}/fire/accept",
                           data={"accept-csrf_token": csrf(page), "accept-version": str(version)}, follow_redirects=True)
    assert accepted.status_code == 200
    html = client.get("/cases/mine").get_data(as_text=True)
    shown = ticks(html)
    assert set(shown) == {str(c) for c in world.cases}  # the accepted one among the reports
    response = client.post("/cases/mine/assign", data={
        "csrf_token": csrf(html), "mediator_id": world.me_id, "case": [f"{world.cases[0]}:{shown[str(world.cases[0])]}"]},
        follow_redirects=True)
    assert "已指派给" in re.search(r'alert-success[^>]*>(.*?)<', response.get_data(as_text=True), re.S).group(1)
    assert steps(app, "accept") == [world.cases[0]] and steps(app, "assign") == [world.cases[0]]
    with app.app_context():
        d = db.session.get(Dispute, world.cases[0])
        assert (d.state, d.assignee_id) == ("assigned", world.me_id)
    assert set(ticks(client.get("/cases/mine").get_data(as_text=True))) == {str(c) for c in world.cases[1:]}


def test_a_case_changed_meanwhile_is_left_alone(client, app, world):
    login(client, world.me)
    html = client.get("/cases/mine").get_data(as_text=True)
    shown = ticks(html)
    first, second = world.cases[:2]
    with app.app_context():
        from app.auth.models import User

        f.walk(db.session.get(Dispute, first), db.session.get(User, world.me_id), "accept")  # another tab
        db.session.remove()
    response = client.post("/cases/mine/assign", data={
        "csrf_token": csrf(html), "mediator_id": world.colleague,
        "case": [f"{first}:{shown[str(first)]}", f"{second}:{shown[str(second)]}"]}, follow_redirects=True)
    assert len(re.findall("alert-warning", response.get_data(as_text=True))) == 1
    assert steps(app, "assign") == [second]
    with app.app_context():
        assert db.session.get(Dispute, first).state == "accepted"


def test_only_a_colleague_of_the_community_and_well_formed_ticks(client, app, world):
    login(client, world.me)
    html = client.get("/cases/mine").get_data(as_text=True)
    case = world.cases[0]
    version = ticks(html)[str(case)]
    for data in ({"mediator_id": world.stranger, "case": [f"{case}:{version}"]},
                 {"mediator_id": world.colleague, "case": ["x:1"]},
                 {"mediator_id": world.colleague}):
        response = client.post("/cases/mine/assign", data=dict(data, csrf_token=csrf(html)), follow_redirects=True)
        assert response.status_code == 200 and "alert-" in response.get_data(as_text=True)
    assert client.post("/cases/mine/assign", data={"mediator_id": world.colleague,
                                                   "case": [f"{case}:{version}"]}).status_code == 400  # no CSRF
    assert steps(app, "accept") == []
