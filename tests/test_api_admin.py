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
