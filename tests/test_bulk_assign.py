"""A mediator accepts several waiting reports at once and assigns them to a
colleague (issue 16, item 9): two audited steps per case, version-checked;
a case changed meanwhile is named and left alone."""
import json
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
        reports = [f.resident_report(worker, c1).id for _ in range(3)]  # "Other", no grid
        w = type("World", (), dict(me=me.username, colleague=colleague.id, colleague_name=colleague.display_name,
                                   stranger=stranger.id, cases=cases, me_id=me.id, reports=reports,
                                   grids=[g.id for g in grids]))
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
    assert set(shown) == {str(c) for c in world.cases + world.reports}
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
    assert set(ticks(client.get("/cases/mine").get_data(as_text=True))) == {str(r) for r in world.reports}


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
    assert set(shown) == {str(c) for c in world.cases + world.reports}  # the accepted one among the reports
    response = client.post("/cases/mine/assign", data={
        "csrf_token": csrf(html), "mediator_id": world.me_id, "case": [f"{world.cases[0]}:{shown[str(world.cases[0])]}"]},
        follow_redirects=True)
    assert "已指派给" in re.search(r'alert-success[^>]*>(.*?)<', response.get_data(as_text=True), re.S).group(1)
    assert steps(app, "accept") == [world.cases[0]] and steps(app, "assign") == [world.cases[0]]
    with app.app_context():
        d = db.session.get(Dispute, world.cases[0])
        assert (d.state, d.assignee_id) == ("assigned", world.me_id)
    assert set(ticks(client.get("/cases/mine").get_data(as_text=True))) == {
        str(c) for c in world.cases[1:] + world.reports}


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


def events_of(app, case_id):
    with app.app_context():
        return [(e.trigger, json.loads(e.data or "null")) for e in db.session.execute(
            select(AuditEvent).where(AuditEvent.entity_type == "dispute", AuditEvent.entity_id == case_id)
            .order_by(AuditEvent.seq)).scalars()]


def place(app, case_id):
    with app.app_context():
        d = db.session.get(Dispute, case_id)
        return d.state, d.dispute_type, d.grid_id, d.assignee_id


def test_reports_to_classify_ask_for_type_and_grid_in_their_rows(client, world):
    login(client, world.me)
    html = client.get("/cases/mine").get_data(as_text=True)
    for report in world.reports:
        row = re.search(rf'id="classify-{report}".*?</div>', html, re.S).group(0)
        assert f'name="type-{report}"' in row and f'name="grid-{report}"' in row
        assert f'<option value="{world.grids[0]}">' in row and f'<option value="{world.grids[1]}">' in row
        assert f'value="{world.grids[2]}"' not in row  # another community's grid is not offered
        assert f'href="/cases/{report}?step=accept#act-accept"' in row
    for case in world.cases:  # typed and placed: nothing to ask
        assert f'id="classify-{case}"' not in html and f'name="type-{case}"' not in html


def test_a_mix_accepts_the_classified_and_names_the_reports_left_unchosen(client, app, world):
    """Three typed cases, a report given its type and grid in its row, one
    given nothing and one given only its grid: four accepted and assigned,
    the other two left waiting as they were, named in one message."""
    login(client, world.me)
    html = client.get("/cases/mine").get_data(as_text=True)
    shown = ticks(html)
    chosen, blank, half = world.reports
    response = client.post("/cases/mine/assign", data={
        "csrf_token": csrf(html), "mediator_id": world.colleague,
        "case": [f"{c}:{shown[str(c)]}" for c in world.cases + world.reports],
        f"type-{chosen}": "parking", f"grid-{chosen}": str(world.grids[1]),
        f"type-{blank}": "", f"grid-{blank}": "", f"grid-{half}": str(world.grids[0])}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "4" in re.search(r'alert-success[^>]*>(.*?)<', page, re.S).group(1)
    warnings = re.findall(r'alert-warning[^>]*>(.*?)<', page, re.S)
    assert len(warnings) == 1 and f"#{blank}" in warnings[0] and f"#{half}" in warnings[0]
    assert f"#{chosen}" not in warnings[0]
    # Said in the inbox, where the page opens (#inbox), naming what each report lacks and the file numbers given.
    inbox = page[page.index('id="inbox"'):]
    assert 'data-section-message="inbox"' in inbox and 'data-section-message="inbox"' not in page[:page.index('id="inbox"')]
    assert f"#{blank} (未选纠纷类型、未选网格)" in warnings[0]
    assert f"#{half} (未选纠纷类型)" in warnings[0]
    success = re.search(r'alert-success[^>]*>(.*?)<', page, re.S).group(1)
    with app.app_context():
        numbered = db.session.get(Dispute, chosen).file_no
    assert f"#{chosen} → {numbered}" in success
    assert steps(app, "accept") == steps(app, "assign") == sorted(world.cases + [chosen])
    assert place(app, chosen) == ("assigned", "parking", world.grids[1], world.colleague)
    assert [trigger for trigger, _data in events_of(app, chosen)][-3:] == ["edit", "accept", "assign"]
    assert events_of(app, chosen)[-3][1]["changes"] == {"dispute_type": ["other", "parking"],
                                                        "grid_id": [None, world.grids[1]]}
    for left in (blank, half):
        assert place(app, left) == ("submitted", "other", None, None)
        assert [trigger for trigger, _data in events_of(app, left)] == ["create"]
    with app.app_context():
        assert verify() == []
    # Still waiting on the page, still asking.
    again = client.get("/cases/mine").get_data(as_text=True)
    assert set(ticks(again)) == {str(blank), str(half)}
    assert f'id="classify-{blank}"' in again and f'id="classify-{half}"' in again


@pytest.mark.parametrize("sent", ["other community's grid", "no such grid", "no such type"])
def test_a_type_or_grid_sent_by_hand_is_refused_and_nothing_written(client, app, world, sent):
    login(client, world.me)
    html = client.get("/cases/mine").get_data(as_text=True)
    report = world.reports[0]
    data = {"type-%d" % report: "neighbour", "grid-%d" % report: str(world.grids[0])}
    if sent == "other community's grid":
        data[f"grid-{report}"] = str(world.grids[2])
    elif sent == "no such grid":
        data[f"grid-{report}"] = "999999"
    else:
        data[f"type-{report}"] = "gossip"
    response = client.post("/cases/mine/assign", data=dict(
        data, csrf_token=csrf(html), mediator_id=world.me_id, case=[f"{report}:{ticks(html)[str(report)]}"]),
        follow_redirects=True)
    warnings = re.findall(r'alert-warning[^>]*>(.*?)<', response.get_data(as_text=True), re.S)
    assert len(warnings) == 1 and f"#{report}" in warnings[0]
    assert "alert-success" not in response.get_data(as_text=True)
    assert place(app, report) == ("submitted", "other", None, None)
    assert [trigger for trigger, _data in events_of(app, report)] == ["create"]


def test_a_report_changed_meanwhile_keeps_its_type_and_grid(client, app, world):
    """The row's type and grid are saved only with the acceptance: a stale
    row leaves the report as it was (the edit is rolled back with the step)."""
    login(client, world.me)
    html = client.get("/cases/mine").get_data(as_text=True)
    report = world.reports[0]
    with app.app_context():
        from app.auth.models import User
        from app.engine.edits import edit

        edit(db.session.get(Dispute, report), db.session.get(User, world.me_id), {"place": "东门"})  # another tab
        db.session.remove()
    response = client.post("/cases/mine/assign", data={
        "csrf_token": csrf(html), "mediator_id": world.me_id, "case": [f"{report}:{ticks(html)[str(report)]}"],
        f"type-{report}": "neighbour", f"grid-{report}": str(world.grids[0])}, follow_redirects=True)
    assert len(re.findall("alert-warning", response.get_data(as_text=True))) == 1
    assert place(app, report) == ("submitted", "other", None, None)
    assert [trigger for trigger, _data in events_of(app, report)] == ["create", "edit"]
    with app.app_context():
        assert verify() == []
