"""IoT alarms through the API: repeated alarms of one device within the
window fold into one candidate case, which a grid worker of its grid
confirms (a case, channel iot) or dismisses with a reason."""
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from app import clock
from app.api.models import IotCandidate
from app.audit.models import AuditEvent
from app.disputes.models import Dispute
from app.extensions import db
from app.org.models import Grid
from tests import factories as f
from tests.factories_api import bearer, cli_client

START = datetime(2026, 3, 2, 2, 0)


@pytest.fixture
def sensor(app):
    """A noise sensor registered (from the CLI) in a grid, the username of its
    grid worker, the grids' ids, and an iot client's token. No app context is
    left pushed: the web requests below need their own (their CSRF token)."""
    clock.set_now(START)
    with app.app_context():
        _, communities, grids = f.org()
        worker = f.user("gridworker", grid=grids[0]).username
        grids = [g.id for g in grids]
        db.session.remove()
    result = app.test_cli_runner().invoke(
        args=["api", "devices", "add", "NOISE-7", "--grid", str(grids[0]), "--kind", "noise", "--place", "5号楼"])
    assert result.exit_code == 0, result.output
    return cli_client(app, "iot-platform", "iot:write"), worker, grids


def alarm(client, token, at, value=72.0, **extra):
    return client.post("/api/v1/iot/events", headers=bearer(token), json={
        "device_id": "NOISE-7", "kind": "noise", "value": value, "threshold": 60.0,
        "at": at.isoformat() + "Z", **extra})


def test_alarms_within_the_window_fold_into_one_candidate(app, client, sensor):
    token, _, _ = sensor
    answers = [alarm(client, token, START + timedelta(minutes=m), value=60 + m) for m in (0, 20, 45)]
    assert [a.status_code for a in answers] == [202, 202, 202]
    assert [a.json["alarm_count"] for a in answers] == [1, 2, 3]
    assert len({a.json["candidate_id"] for a in answers}) == 1
    later = alarm(client, token, START + timedelta(minutes=45 + 61))  # past the 60-minute window
    assert later.json["alarm_count"] == 1 and later.json["candidate_id"] != answers[0].json["candidate_id"]
    with app.app_context():
        first = db.session.get(IotCandidate, answers[0].json["candidate_id"])
        assert first.max_value == 105 and first.status == "open"
        events = db.session.execute(
            select(AuditEvent).where(AuditEvent.entity_type == "iot_candidate")).scalars().all()
        assert len(events) == 4 and all('"api_client":"iot-platform"' in e.data for e in events)
        assert db.session.execute(select(func.count()).select_from(Dispute)).scalar() == 0


def test_below_the_threshold_nothing_is_kept_and_an_unknown_device_is_422(app, client, sensor):
    token, _, _ = sensor
    quiet = alarm(client, token, START, value=40)
    assert quiet.status_code == 202 and quiet.json == {"folded": False, "candidate_id": None, "alarm_count": 0,
                                                      "status": None}
    unknown = alarm(client, token, START, device_id="NOPE")
    assert unknown.status_code == 422 and unknown.json["errors"][0]["pointer"] == "#/device_id"
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(IotCandidate)).scalar() == 0


def test_a_grid_worker_confirms_a_candidate_as_a_case(app, client, sensor):
    token, worker, _ = sensor
    candidate_id = alarm(client, token, START).json["candidate_id"]
    alarm(client, token, START + timedelta(minutes=5))
    f.login(client, worker)
    page = client.get("/iot/candidates")
    assert page.status_code == 200 and "NOISE-7" in page.get_data(as_text=True)
    answer = client.post(f"/iot/candidates/{candidate_id}/confirm",
                         data={"csrf_token": f.csrf(page.get_data(as_text=True)), "version": "2",
                               "facts": "夜间装修噪声，已到场核实"})
    assert answer.status_code == 302
    with app.app_context():
        candidate = db.session.get(IotCandidate, candidate_id)
        case = db.session.get(Dispute, candidate.dispute_id)
        assert candidate.status == "confirmed" and case.channel == "iot" and case.state == "submitted"
        assert case.grid_id == candidate.device.grid_id


def test_a_grid_worker_dismisses_with_a_reason_and_another_grid_sees_nothing(app, client, sensor):
    token, worker, grids = sensor
    candidate_id = alarm(client, token, START).json["candidate_id"]
    with app.app_context():
        other = f.user("gridworker", grid=db.session.get(Grid, grids[1])).username
    f.login(client, other)
    page = client.get("/iot/candidates").get_data(as_text=True)
    assert "NOISE-7" not in page
    refused = client.post(f"/iot/candidates/{candidate_id}/dismiss",
                          data={"csrf_token": f.csrf(page), "version": "1", "reason": "误报"})
    assert refused.status_code == 404
    client.post("/logout", data={"csrf_token": f.csrf(page)})
    f.login(client, worker)
    page = client.get("/iot/candidates").get_data(as_text=True)
    empty = client.post(f"/iot/candidates/{candidate_id}/dismiss",
                        data={"csrf_token": f.csrf(page), "version": "1", "reason": ""})
    assert empty.status_code == 302
    with app.app_context():
        assert db.session.get(IotCandidate, candidate_id).status == "open"
    client.post(f"/iot/candidates/{candidate_id}/dismiss",
                data={"csrf_token": f.csrf(page), "version": "1", "reason": "设备误报，现场安静"})
    with app.app_context():
        candidate = db.session.get(IotCandidate, candidate_id)
        assert candidate.status == "dismissed" and candidate.reason == "设备误报，现场安静"
        assert db.session.execute(select(AuditEvent).where(AuditEvent.trigger == "dismiss")).scalar_one().reason


def test_an_iot_client_needs_its_scope(app, client, sensor):
    token = cli_client(app, "reader", "disputes:read")
    assert alarm(client, token, START).status_code == 403


def test_a_sensors_alarms_read_as_words_on_the_candidates_page_and_in_the_audit_log(app, client, sensor):
    """The candidates page showed the kind as "noise"; the audit log the
    alarm's keys (device_id, value, threshold) and an account's role raw."""
    import re

    token, worker, _ = sensor
    alarm(client, token, START)
    f.login(client, worker)
    page = client.get("/iot/candidates").get_data(as_text=True)
    assert "NOISE-7 · 噪声 · 5号楼" in page and "noise" not in page
    with app.app_context():
        admin = f.user("admin").username
        from app.auth import accounts
        accounts.create("new_mediator", accounts.Details(
            display_name="新调解员", role="mediator", community_id=db.session.get(Grid, sensor[2][0]).community_id),
            "a long new passphrase 2027", None, "cli")
        db.session.commit()
        db.session.remove()
    admin_client = app.test_client()
    f.login(admin_client, admin)
    html = admin_client.get("/audit/?entity_type=iot_candidate").get_data(as_text=True)
    data = re.search(r'<tr data-trigger="alarm".*?</tr>', html, re.S).group(0)
    for words in ("感知类型：噪声", "传感器编号：NOISE-7", "测量值：72.0", "阈值：60.0", "接口客户端：iot-platform"):
        assert words in data, words
    html = admin_client.get("/audit/?entity_type=user&trigger=user_created").get_data(as_text=True)
    assert "角色：调解员" in html
    assert not re.search(r"(device_id|threshold|alarm_count|：mediator)<", html + data)
