"""An administrator sets a department's own periods per kind of referral:
audited, bad input refused with a message and nothing written, nobody but
an administrator admitted, and a referral sent afterwards uses them."""
import json
import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from app import clock
from app.audit.models import AuditEvent
from app.extensions import db
from app.auth.models import User
from app.disputes.models import Dispute
from app.org.models import Department, DepartmentDeadline
from tests import factories as f
from tests import factories_referrals as fr
from tests.factories import csrf
from tests.test_referrals_web import as_user

NOW = datetime(2026, 3, 2, 2, 0)


@pytest.fixture
def world(app):
    with app.app_context():
        street, (c1, _c2), grids = f.org()
        mediator = f.user("mediator", community=c1)
        market = fr.department("市场监管", ack_hours=24, answer_days=7)
        case = f.dispute(mediator, grids[0], now=NOW)
        f.user("admin", username="boss")
        w = dict(market=market.id, mediator=mediator.username, case=case.id, liaison=fr.liaison(market).username)
    clock.set_now(NOW)
    yield type("World", (), w)
    clock.set_now(None)


def deadline_events(app):
    with app.app_context():
        return db.session.execute(select(AuditEvent.trigger, AuditEvent.entity_id).where(
            AuditEvent.entity_type == "department").order_by(AuditEvent.id)).all()


def own_periods(app, department_id):
    with app.app_context():
        return {d.kind: (d.ack_hours, d.answer_days) for d in db.session.execute(
            select(DepartmentDeadline).where(DepartmentDeadline.department_id == department_id)).scalars()}


def test_an_admin_sets_and_removes_a_kinds_periods_and_referrals_use_them(client, app, world):
    as_user(client, "boss")
    listing = client.get("/referrals/departments").get_data(as_text=True)
    assert f'data-department="{world.market}"' in listing
    page = client.get(f"/referrals/departments/{world.market}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'data-kind="enforce" data-own="no"' in html
    saved = client.post(f"/referrals/departments/{world.market}/deadlines",
                        data={"csrf_token": csrf(html), "kind": "enforce", "ack_hours": 4, "answer_days": 3},
                        follow_redirects=True)
    assert saved.status_code == 200
    text = saved.get_data(as_text=True)
    assert "periods for" in text and 'data-kind="enforce" data-own="yes"' in text
    assert own_periods(app, world.market) == {"enforce": (4, 3)}
    # Changing it replaces the row (still one) and is audited again.
    client.post(f"/referrals/departments/{world.market}/deadlines",
                data={"csrf_token": csrf(html), "kind": "enforce", "ack_hours": 6, "answer_days": 2})
    assert own_periods(app, world.market) == {"enforce": (6, 2)}
    assert deadline_events(app) == [("department_deadline_set", world.market)] * 2
    with app.app_context():
        event = db.session.execute(select(AuditEvent).where(AuditEvent.entity_type == "department")
                                   .order_by(AuditEvent.id.desc()).limit(1)).scalar_one()
        assert json.loads(event.data)["before"] == {"ack_hours": 4, "answer_days": 3}

    # A referral of that kind sent now gets the department's own periods; another kind the defaults.
    with app.app_context():
        mediator = db.session.execute(select(User).where(User.username == world.mediator)).scalar_one()
        case, market = db.session.get(Dispute, world.case), db.session.get(Department, world.market)
        enforce = fr.referral(case, market, mediator, kind="enforce", now=NOW)
        inspect = fr.referral(case, market, mediator, kind="inspect", now=NOW)
        assert (enforce.ack_by, enforce.answer_by) == (NOW + timedelta(hours=6), NOW + timedelta(days=2))
        assert (inspect.ack_by, inspect.answer_by) == (NOW + timedelta(hours=24), NOW + timedelta(days=7))
    # Going back to the defaults drops the periods set: it asks first, naming them, with a script or without.
    page = client.get(f"/referrals/departments/{world.market}").get_data(as_text=True)
    restoring = re.search(r'<form method="post" action="[^"]*/deadlines/enforce/remove".*?</form>', page, re.S).group(0)
    assert "data-confirm=" in restoring and 'name="_confirm"' in restoring
    assert "6 hours to acknowledge, 2 days to answer" in restoring
    asked = client.post(f"/referrals/departments/{world.market}/deadlines/enforce/remove",
                        data={"csrf_token": csrf(html), "_confirm": "Use the default periods again?"})
    assert asked.status_code == 200 and 'id="confirm-page"' in asked.get_data(as_text=True)
    assert own_periods(app, world.market) == {"enforce": (6, 2)}  # nothing removed before the answer
    removed = client.post(f"/referrals/departments/{world.market}/deadlines/enforce/remove",
                          data={"csrf_token": csrf(html), "_confirmed": "1"}, follow_redirects=True)
    assert removed.status_code == 200 and 'data-kind="enforce" data-own="no"' in removed.get_data(as_text=True)
    assert own_periods(app, world.market) == {}
    assert deadline_events(app)[-1] == ("department_deadline_removed", world.market)


@pytest.mark.parametrize("bad, message", [
    ({"kind": "enforce", "ack_hours": 0, "answer_days": 3}, "Number must be between 1 and 720"),
    ({"kind": "enforce", "ack_hours": "", "answer_days": 3}, "Give the hours to acknowledge"),
    ({"kind": "enforce", "ack_hours": "two", "answer_days": 3}, "Not a valid integer"),
    ({"kind": "enforce", "ack_hours": 4, "answer_days": 400}, "Number must be between 1 and 365"),
    ({"kind": "bribe", "ack_hours": 4, "answer_days": 3}, "Not a valid choice"),
    ({"kind": "", "ack_hours": 4, "answer_days": 3}, "Choose a kind of referral"),
])
def test_bad_input_is_refused_with_a_message_and_nothing_written(client, app, world, bad, message):
    as_user(client, "boss")
    html = client.get(f"/referrals/departments/{world.market}").get_data(as_text=True)
    refused = client.post(f"/referrals/departments/{world.market}/deadlines", data={"csrf_token": csrf(html), **bad})
    assert refused.status_code == 422
    body = refused.get_data(as_text=True)
    assert "Please correct the marked fields" in body and message in body
    assert own_periods(app, world.market) == {}
    assert deadline_events(app) == []


def test_only_an_administrator_gets_in(client, app, world):
    as_user(client, "boss")
    html = client.get(f"/referrals/departments/{world.market}").get_data(as_text=True)
    assert client.get("/referrals/departments/999999").status_code == 404
    assert client.post("/referrals/departments/999999/deadlines",
                       data={"csrf_token": csrf(html), "kind": "enforce", "ack_hours": 4,
                             "answer_days": 3}).status_code == 404
    assert client.post(f"/referrals/departments/{world.market}/deadlines/bribe/remove",
                       data={"csrf_token": csrf(html)}).status_code == 404
    client.post("/logout", data={"csrf_token": csrf(html)})
    for username in (world.mediator, world.liaison):
        other = as_user(app.test_client(), username)
        page = other.get("/today").get_data(as_text=True)
        assert other.get(f"/referrals/departments/{world.market}").status_code == 403
        assert other.post(f"/referrals/departments/{world.market}/deadlines",
                          data={"csrf_token": csrf(page), "kind": "enforce", "ack_hours": 4,
                                "answer_days": 3}).status_code == 403
        # Refused at once, not asked first: a "Yes" would only lead to the refusal.
        asked = other.post(f"/referrals/departments/{world.market}/deadlines/enforce/remove",
                           data={"csrf_token": csrf(page), "_confirm": "Use the default periods again?"})
        assert asked.status_code == 403 and 'id="confirm-page"' not in asked.get_data(as_text=True)
    anonymous = app.test_client().get(f"/referrals/departments/{world.market}")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    assert own_periods(app, world.market) == {}
    assert deadline_events(app) == []
