"""The administrator's page for integrator clients (create, new token,
revoke: each audited) and the webhook delivery log; nobody else sees them."""
import re

from sqlalchemy import select

from app.api.models import ApiClient
from app.audit.models import AuditEvent
from app.extensions import db
from tests import factories as f
from tests.factories_api import bearer


def setup_admin(app):
    with app.app_context():
        f.org()
        admin = f.user("admin").username
        mediator = f.user("mediator").username
        db.session.remove()
    return admin, mediator


def test_the_admin_creates_a_client_whose_token_works_then_revokes_it(app, client):
    admin, _ = setup_admin(app)
    f.login(client, admin)
    page = client.get("/api/admin/clients")
    assert page.status_code == 200
    created = client.post("/api/admin/clients", data={
        "csrf_token": f.csrf(page.get_data(as_text=True)), "name": "12345热线", "scopes": ["disputes:read"],
        "channel": "phone", "per_minute": "60"})
    html = created.get_data(as_text=True)
    token = re.search(r'id="new-token">([^<]+)<', html).group(1)
    assert client.get("/api/v1/disputes", headers=bearer(token)).status_code == 200
    with app.app_context():
        row = db.session.execute(select(ApiClient)).scalar_one()
        assert row.channel == "phone" and row.scopes == "disputes:read"
        client_id = row.id
    again = client.get("/api/admin/clients").get_data(as_text=True)
    assert token not in again  # shown once
    # A new token and a revocation cut the other system off: each asks first, with a script or without.
    for step in ("rotate", "revoke"):
        form = re.search(rf'<form [^>]*action="/api/admin/clients/{client_id}/{step}".*?</form>', again).group(0)
        assert "data-confirm=" in form and "12345热线" in form and 'name="_confirm"' in form
    asked = client.post(f"/api/admin/clients/{client_id}/revoke",
                        data={"csrf_token": f.csrf(again), "_confirm": "吊销“12345热线”？"})
    assert 'id="confirm-page"' in asked.get_data(as_text=True)
    assert client.get("/api/v1/disputes", headers=bearer(token)).status_code == 200  # not yet
    client.post(f"/api/admin/clients/{client_id}/revoke", data={"csrf_token": f.csrf(again)})
    assert client.get("/api/v1/disputes", headers=bearer(token)).status_code == 401
    with app.app_context():
        triggers = db.session.execute(select(AuditEvent.trigger).where(
            AuditEvent.entity_type == "api_client", AuditEvent.entity_id == client_id)).scalars().all()
        assert triggers[:2] == ["create", "revoke"]


def test_only_the_admin_sees_the_clients_and_deliveries(app, client):
    admin, mediator = setup_admin(app)
    f.login(client, mediator)
    assert client.get("/api/admin/clients").status_code == 403
    assert client.get("/api/admin/deliveries").status_code == 403


def test_the_delivery_log_page_opens_for_the_admin(app, client):
    admin, _ = setup_admin(app)
    f.login(client, admin)
    page = client.get("/api/admin/deliveries")
    assert page.status_code == 200 and "回调推送记录" in page.get_data(as_text=True)


def test_a_client_form_with_mistakes_comes_back_marked_and_kept(app, client):
    """The scopes and the community are named in words; a name already taken,
    no scope, or statistics without a community send the form back with the
    top message, status 422 and what was typed."""
    admin, _ = setup_admin(app)
    f.login(client, admin)
    page = client.get("/api/admin/clients").get_data(as_text=True)
    assert "查看本社区统计 (stats:read)" in page and "(id)" not in page
    assert '<optgroup label="">' not in page  # "—" (none) stands before the streets' groups
    with app.app_context():
        from app.org.models import Community
        community = db.session.execute(select(Community)).scalars().first()
        community_id, community_name = community.id, community.name
    assert re.search(rf'<option [^>]*value="{community_id}">{community_name}<', page)
    sent = client.post("/api/admin/clients", data={
        "csrf_token": f.csrf(page), "name": "市场监管平台", "scopes": ["stats:read"], "channel": "phone",
        "per_minute": "60", "community_id": "0"})
    html = sent.get_data(as_text=True)
    assert sent.status_code == 422 and "请按提示更正标出的填写项" in html
    assert re.search(r'<input [^>]*type="checkbox" name="scopes"[^>]*value="stats:read" checked>', html)
    assert "请选择它读取统计的社区。" in html and 'value="市场监管平台"' in html
    created = client.post("/api/admin/clients", data={
        "csrf_token": f.csrf(page), "name": "市场监管平台", "scopes": ["stats:read"], "channel": "phone",
        "per_minute": "60", "community_id": str(community_id)})
    assert created.status_code == 200 and 'id="new-token"' in created.get_data(as_text=True)
    assert f"查看本社区统计 (stats:read): {community_name}" in created.get_data(as_text=True)
    again = client.post("/api/admin/clients", data={
        "csrf_token": f.csrf(page), "name": "市场监管平台", "scopes": ["disputes:read"], "channel": "phone",
        "per_minute": "60", "community_id": "0"})
    assert again.status_code == 422 and "已有同名的客户端" in again.get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(select(ApiClient)).scalars().all().__len__() == 1


def test_the_channel_is_chosen_not_left_at_the_first(app, client):
    """A new client's channel defaulted to the list's first (resident photo
    report), even for a client that only reads: the administrator chooses it,
    as an account's role is chosen."""
    admin, _ = setup_admin(app)
    f.login(client, admin)
    page = client.get("/api/admin/clients").get_data(as_text=True)
    channel = re.search(r'<select[^>]*name="channel".*?</select>', page, re.S).group(0)
    # The empty choice first, and nothing chosen: the browser shows "choose a channel".
    assert re.search(r'<select[^>]*>\s*<option value="">', channel) and " selected" not in channel
    sent = client.post("/api/admin/clients", data={
        "csrf_token": f.csrf(page), "name": "只读平台", "scopes": ["disputes:read"], "per_minute": "60"})
    html = sent.get_data(as_text=True)
    assert sent.status_code == 422 and "请按提示更正标出的填写项" in html
    assert re.search(r'<select [^>]*aria-invalid="true"[^>]*autofocus[^>]*name="channel"', html)
    with app.app_context():
        assert db.session.execute(select(ApiClient)).scalars().all() == []
    created = client.post("/api/admin/clients", data={
        "csrf_token": f.csrf(page), "name": "只读平台", "scopes": ["disputes:read"], "channel": "government",
        "per_minute": "60"})
    assert created.status_code == 200 and 'id="new-token"' in created.get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(select(ApiClient.channel)).scalar_one() == "government"
