"""The integrators' JSON API through HTTP: clients made by the CLI, tokens,
scopes, idempotent intake, read-back and bad input (issue 14)."""
import hashlib
import json
import re

import pytest
from sqlalchemy import func, select

from app.api.models import ApiClient, ApiSubmission
from app.audit.models import AuditEvent
from app.disputes.models import Dispute
from app.extensions import db
from app.ratelimit import RateEvent
from tests import factories as f
from tests.factories_api import bearer, cli_client, png_base64


@pytest.fixture
def place(ctx):
    _, communities, grids = f.org()
    return communities[0], grids[0]


def body(community, **extra):
    return {"community_id": community.id, "description": "楼上漏水，已三天无人处理。", "place": "3号楼2单元",
            "external_ref": "12345-0001", **extra}


def count(model, *where):
    return db.session.execute(select(func.count()).select_from(model).where(*where)).scalar()


def test_cli_creates_a_client_whose_token_is_shown_once_and_stored_hashed(app, ctx):
    token = cli_client(app, "hotline", "disputes:write", "disputes:read")
    client = db.session.execute(select(ApiClient)).scalar_one()
    assert len(token) >= 43 + 3  # 32 random bytes in base64url, after the prefix
    assert client.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in json.dumps([e.data for e in db.session.execute(select(AuditEvent)).scalars()])
    listed = app.test_cli_runner().invoke(args=["api", "clients", "list"]).output
    assert "hotline" in listed and token not in listed


def test_idempotent_submit_gives_one_case_and_one_set_of_audit_events(app, client, place):
    community, _ = place
    token = cli_client(app, "hotline", "disputes:write", "disputes:read", channel="phone")
    headers = {**bearer(token), "Idempotency-Key": "wo-2026-0001"}
    first = client.post("/api/v1/disputes", json=body(community), headers=headers)
    assert first.status_code == 201, first.json
    events = count(AuditEvent, AuditEvent.entity_type == "dispute")
    again = client.post("/api/v1/disputes", json=body(community), headers=headers)
    assert again.status_code == 201 and again.json == first.json
    assert count(Dispute) == 1 and count(AuditEvent, AuditEvent.entity_type == "dispute") == events
    case = first.json
    assert case["state"] == "submitted" and case["file_no"] is None and case["state_label"]["zh"] == "待受理"
    assert case["state_label"]["en"] == "Submitted" and case["channel"] == "phone"
    created = db.session.execute(select(AuditEvent).where(AuditEvent.trigger == "create", AuditEvent.entity_type == "dispute")).scalar_one()
    assert created.actor_role == "api_client" and '"api_client":"hotline"' in created.data

    other = client.post("/api/v1/disputes", json=body(community, place="另一处"), headers=headers)
    assert other.status_code == 409 and other.mimetype == "application/problem+json"
    assert count(Dispute) == 1

    read = client.get(f"/api/v1/disputes/{case['id']}", headers=bearer(token))
    assert read.status_code == 200 and read.json["tracking_code"] == case["tracking_code"]
    assert "楼上漏水" not in read.get_data(as_text=True)  # no facts, no parties
    listed = client.get("/api/v1/disputes?external_ref=12345-0001", headers=bearer(token))
    assert [c["id"] for c in listed.json["items"]] == [case["id"]]


def test_a_client_sees_only_what_it_submitted(app, client, place):
    community, grid = place
    a = cli_client(app, "hotline", "disputes:write", "disputes:read")
    b = cli_client(app, "police", "disputes:write", "disputes:read")
    mine = client.post("/api/v1/disputes", json=body(community), headers=bearer(a)).json
    staff_case = f.dispute(f.user("mediator", community=community), grid)
    assert client.get(f"/api/v1/disputes/{mine['id']}", headers=bearer(b)).status_code == 404
    assert client.get(f"/api/v1/disputes/{staff_case.id}", headers=bearer(a)).status_code == 404
    assert client.get("/api/v1/disputes", headers=bearer(b)).json == {"items": []}


def test_missing_or_wrong_token_is_401_and_a_missing_scope_403_each_audited(app, client, place):
    community, _ = place
    reader = cli_client(app, "reader", "disputes:read")
    assert client.post("/api/v1/disputes", json=body(community)).status_code == 401
    wrong = client.post("/api/v1/disputes", json=body(community), headers=bearer("mc_nope"))
    assert wrong.status_code == 401 and wrong.mimetype == "application/problem+json"
    assert wrong.headers["WWW-Authenticate"].startswith("Bearer")
    refused = client.post("/api/v1/disputes", json=body(community), headers=bearer(reader))
    assert refused.status_code == 403 and refused.json["status"] == 403
    assert count(Dispute) == 0
    events = db.session.execute(select(AuditEvent).where(AuditEvent.trigger == "api_refused")).scalars().all()
    assert len(events) == 3 and '"client":"reader"' in events[-1].data and '"status":403' in events[-1].data


def test_revoked_and_rotated_tokens_stop_working(app, client, place):
    old = cli_client(app, "hotline", "disputes:read")
    runner = app.test_cli_runner()
    new = runner.invoke(args=["api", "clients", "rotate", "hotline"]).output.strip().split()[-1]
    assert client.get("/api/v1/disputes", headers=bearer(old)).status_code == 401
    assert client.get("/api/v1/disputes", headers=bearer(new)).status_code == 200
    assert runner.invoke(args=["api", "clients", "revoke", "hotline"]).exit_code == 0
    assert client.get("/api/v1/disputes", headers=bearer(new)).status_code == 401


@pytest.mark.parametrize("change, pointer", [
    ({"community_id": 999999}, "#/community_id"),
    ({"description": "长" * (1024 * 1024)}, "#/description"),
    ({"photos": ["bm90IGFuIGltYWdl"]}, "#/photos/0"),
    ({"community_id": "one", "parties": [{"role": "boss", "name": ""}]}, "#/community_id"),
    ({"surprise": 1}, "#/surprise"),
    ({"parties": [{"role": "applicant", "name": "   "}]}, "#/parties/0/name"),
    ({"parties": [{"role": "applicant", "name": "王", "id_number": "110101199003070000"}]}, "#/parties"),
])
def test_bad_input_is_422_problem_json_with_one_entry_per_field_and_nothing_written(
        app, client, place, change, pointer):
    community, _ = place
    token = cli_client(app, "hotline", "disputes:write")
    answer = client.post("/api/v1/disputes", json=body(community, **change), headers=bearer(token))
    assert answer.status_code == 422 and answer.mimetype == "application/problem+json"
    assert pointer in [e["pointer"] for e in answer.json["errors"]]
    assert count(Dispute) == 0 and count(AuditEvent, AuditEvent.entity_type == "dispute") == 0


def test_each_invalid_field_has_its_own_entry(app, client, place):
    community, _ = place
    token = cli_client(app, "hotline", "disputes:write")
    answer = client.post("/api/v1/disputes", json={"community_id": "x", "parties": [{"role": "boss"}]},
                         headers=bearer(token))
    pointers = sorted(e["pointer"] for e in answer.json["errors"])
    assert pointers == ["#/community_id", "#/description", "#/parties/0/name", "#/parties/0/role"]


def test_a_body_that_is_not_json_is_422(app, client, place):
    token = cli_client(app, "hotline", "disputes:write")
    answer = client.post("/api/v1/disputes", data="{not json", content_type="application/json",
                         headers=bearer(token))
    assert answer.status_code == 422 and answer.mimetype == "application/problem+json"


def test_a_photo_is_kept_with_the_case(app, client, place):
    community, _ = place
    token = cli_client(app, "hotline", "disputes:write")
    answer = client.post("/api/v1/disputes", json=body(community, photos=[png_base64()]), headers=bearer(token))
    assert answer.status_code == 201
    case = db.session.get(Dispute, answer.json["id"])
    assert [a.content_type for a in case.attachments] == ["image/png"]


def test_too_many_calls_are_429_with_retry_after(app, client, place):
    token = cli_client(app, "hotline", "disputes:read", per_minute=2)
    assert [client.get("/api/v1/disputes", headers=bearer(token)).status_code for _ in range(2)] == [200, 200]
    limited = client.get("/api/v1/disputes", headers=bearer(token))
    assert limited.status_code == 429 and limited.headers["Retry-After"] == "60"
    assert count(RateEvent, RateEvent.kind == "api") == 2


def test_the_openapi_document_and_its_docs_page(client):
    spec = client.get("/api/v1/openapi.json")
    assert spec.status_code == 200 and spec.json["openapi"].startswith("3.1")
    assert "/api/v1/disputes" in spec.json["paths"]
    page = client.get("/api/v1/docs")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "/api/v1/disputes" in html
    # Every script, stylesheet and link is served by the app itself: nothing from a CDN or any other host.
    # (The page's random nonces and tokens are not looked at: one held the letters "cdn" by chance.)
    urls = re.findall(r'(?:src|href)\s*=\s*["\']([^"\']*)', html, re.I)
    assert any(u.endswith(".js") for u in urls), urls
    assert not [u for u in urls if re.match(r"(?:[a-z]+:)?//", u, re.I) or "cdn" in u.lower()], urls


def test_submissions_are_linked_to_their_client(app, client, place):
    community, _ = place
    token = cli_client(app, "hotline", "disputes:write")
    client.post("/api/v1/disputes", json=body(community), headers=bearer(token))
    link = db.session.execute(select(ApiSubmission)).scalar_one()
    assert link.client.name == "hotline" and link.external_ref == "12345-0001"


def test_changed_since_lists_the_cases_changed_from_that_moment(app, client, place):
    from datetime import datetime

    from app import clock

    community, _ = place
    mediator = f.user("mediator", community=community)
    token = cli_client(app, "hotline", "disputes:write", "disputes:read")
    clock.set_now(datetime(2026, 3, 2, 2, 0))
    older = client.post("/api/v1/disputes", json=body(community, external_ref="A"), headers=bearer(token)).json
    newer = client.post("/api/v1/disputes", json=body(community, external_ref="B"), headers=bearer(token)).json
    clock.set_now(datetime(2026, 3, 3, 2, 0))
    f.walk(db.session.get(Dispute, newer["id"]), mediator, "accept")
    listed = client.get("/api/v1/disputes?changed_since=2026-03-03T00:00:00Z", headers=bearer(token)).json
    assert [c["id"] for c in listed["items"]] == [newer["id"]] and older["id"] != newer["id"]
    assert listed["items"][0]["state"] == "accepted" and listed["items"][0]["file_no"]


@pytest.mark.parametrize("method, path, status", [
    ("get", "/api/v1/nothing-here", 404), ("post", "/api/v1/disputes/1/extra", 404), ("get", "/api/v1", 404),
    ("delete", "/api/v1/disputes", 405)])
def test_an_unknown_path_or_method_under_the_api_is_problem_json(client, method, path, status):
    answer = getattr(client, method)(path)
    assert answer.status_code == status and answer.mimetype == "application/problem+json"
    assert answer.json["status"] == status and answer.json["title"]
    if status == 405:
        assert "POST" in answer.headers["Allow"]


def test_an_unknown_page_outside_the_api_keeps_the_html_page(client):
    answer = client.get("/nothing-here")
    assert answer.status_code == 404 and answer.mimetype == "text/html"
