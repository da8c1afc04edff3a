"""In-app notifications (the bell, the list, marking read, the settings)
and their e-mail copies: off by default, sent after the step's commit by
the timer run through a fake SMTP server, never twice, retried on failure.
No test sends real mail."""
import json
import re
import smtplib
from datetime import datetime

import pytest
from sqlalchemy import select

from app import clock, engine
from app.audit.models import AuditEvent
from app.engine.timers import tick
from app.extensions import db
from app.notifications import mail
from app.notifications.models import Notification, NotificationPref
from app.notifications.service import notify
from tests import factories as f
from tests import factories_followups as ff
from tests.factories import csrf, login

NOW = datetime(2026, 3, 9, 2, 0)


class FakeSMTP:
    """Stands in for smtplib.SMTP: records what would have been sent."""

    sent: list = []
    fail_next = 0

    def __init__(self, host, port, timeout=None):
        self.host, self.port = host, port

    def starttls(self):
        pass

    def login(self, user, password):
        pass

    def send_message(self, message):
        if FakeSMTP.fail_next:
            FakeSMTP.fail_next -= 1
            raise smtplib.SMTPServerDisconnected("connection lost")
        FakeSMTP.sent.append(message)

    def quit(self):
        pass


@pytest.fixture
def smtp(monkeypatch):
    FakeSMTP.sent, FakeSMTP.fail_next = [], 0
    monkeypatch.setattr(mail.smtplib, "SMTP", FakeSMTP)
    monkeypatch.setattr(mail.smtplib, "SMTP_SSL", None)  # never used with the default security
    return FakeSMTP


@pytest.fixture
def world(app):
    clock.set_now(NOW)
    with app.app_context():
        street, (c1, _), grids = f.org()
        head = f.user("mediator", community=c1)
        lead = f.user("mediator", community=c1)
        case = f.walk(f.dispute(head, grids[0]), head, "accept")
        w = dict(head=head.username, head_id=head.id, lead=lead.username, lead_id=lead.id, case=case.id)
        db.session.remove()
    return type("World", (), w)


def assign(app, world):
    with app.app_context():
        case = db.session.get(f.Dispute, world.case)
        engine.fire(case, "assign", db.session.get(f.User, world.head_id), mediator_id=world.lead_id)


def test_the_bell_the_list_and_marking_read(client, app, world):
    assign(app, world)
    login(client, world.lead)
    page = client.get("/today").get_data(as_text=True)
    assert re.search(r'id="unread-count">1<', page)
    listing = client.get("/notifications/").get_data(as_text=True)
    [note_id] = re.findall(r'data-notification="(\d+)" data-read="no"', listing)
    answer = client.post(f"/notifications/{note_id}/open", data={"csrf_token": csrf(listing)})
    assert answer.status_code == 302 and answer.location.endswith(f"/cases/{world.case}")
    assert 'id="unread-count"' not in client.get("/today").get_data(as_text=True)
    # Someone else's notification is not there for them.
    with app.app_context():
        other = notify(world.head_id, "assigned", entity_type="dispute", entity_id=world.case, data={"case": "#1"})
        db.session.commit()
        other_id = other.id
    assert client.post(f"/notifications/{other_id}/open", data={"csrf_token": csrf(listing)}).status_code == 404
    with app.app_context():
        assert db.session.get(Notification, other_id).read_at is None


def test_mark_all_read(client, app, world):
    assign(app, world)
    with app.app_context():
        notify(world.lead_id, "followup_overdue", entity_type="followup", entity_id=1,
               data={"case": "(2026)莱人调字第1号", "day": "2026-03-09"})
        db.session.commit()
    login(client, world.lead)
    listing = client.get("/notifications/").get_data(as_text=True)
    assert "2026" in listing  # the date is shown formatted, never as a stray placeholder
    assert client.post("/notifications/read", data={"csrf_token": csrf(listing)}).status_code == 302
    with app.app_context():
        assert db.session.execute(select(Notification).where(Notification.read_at.is_(None))).first() is None


def test_a_rolled_back_step_leaves_no_notification(app, world):
    with app.app_context():
        case = db.session.get(f.Dispute, world.case)
        with pytest.raises(engine.Conflict):
            engine.fire(case, "assign", db.session.get(f.User, world.head_id), mediator_id=world.lead_id,
                        expected_version=case.version - 1)
        assert ff.count(Notification) == 0


def test_mail_is_off_by_default_and_nothing_is_queued(app, world, smtp):
    with app.app_context():
        db.session.add(NotificationPref(user_id=world.lead_id, email="lead@example.com", email_on=True,
                                        changed_at=NOW))
        db.session.commit()
    assign(app, world)
    with app.app_context():
        assert tick(now=NOW).jobs["e-mails sent"] == 0
        assert [n.email_state for n in ff.notifications_for(world.lead_id)] == [None]
    assert smtp.sent == []


def test_mail_is_sent_once_after_the_commit_and_retried_after_a_failure(app, world, smtp):
    app.config.update(MAIL_ENABLED=True, BASE_URL="https://tiaojie.example.cn", MAIL_FROM="noreply@tiaojie.example.cn")
    with app.app_context():
        db.session.add(NotificationPref(user_id=world.lead_id, email="lead@example.com", email_on=True,
                                        changed_at=NOW))
        db.session.commit()
    assign(app, world)
    with app.app_context():
        [note] = ff.notifications_for(world.lead_id)
        assert note.email_state == "pending"  # queued in the step's transaction, not sent in it
    assert smtp.sent == []
    smtp.fail_next = 1
    with app.app_context():
        assert tick(now=NOW).jobs["e-mails sent"] == 0
        [note] = ff.notifications_for(world.lead_id)
        assert (note.email_state, note.email_tries) == ("pending", 1)
        assert tick(now=NOW).jobs["e-mails sent"] == 1
        assert tick(now=NOW).jobs["e-mails sent"] == 0  # never twice
    [message] = smtp.sent
    assert message["To"] == "lead@example.com"
    assert "noreply@tiaojie.example.cn" in message["From"]
    body = message.get_content()
    assert f"https://tiaojie.example.cn/cases/{world.case}" in body
    assert "https://tiaojie.example.cn/notifications/settings" in body
    assert "莱人调字" in message["Subject"]  # the case file number, in the subject line
    with app.app_context():
        [note] = ff.notifications_for(world.lead_id)
        assert (note.email_state, note.emailed_at) == ("sent", NOW)


def test_mail_gives_up_after_the_last_try(app, world, smtp):
    app.config.update(MAIL_ENABLED=True, MAIL_MAX_TRIES=2)
    with app.app_context():
        db.session.add(NotificationPref(user_id=world.lead_id, email="lead@example.com", email_on=True,
                                        changed_at=NOW))
        db.session.commit()
    assign(app, world)
    smtp.fail_next = 5
    with app.app_context():
        tick(now=NOW)
        tick(now=NOW)
        tick(now=NOW)
        [note] = ff.notifications_for(world.lead_id)
        assert (note.email_state, note.email_tries) == ("failed", 2)
    assert smtp.sent == []


def test_the_settings_page_validates_and_audits_without_the_address(client, app, world):
    login(client, world.lead)
    page = client.get("/notifications/settings").get_data(as_text=True)
    assert 'id="mail-off"' in page
    token = csrf(page)
    bad = client.post("/notifications/settings", data={"csrf_token": token, "email": "not-an-address",
                                                        "email_on": "y"})
    assert bad.status_code == 422
    missing = client.post("/notifications/settings", data={"csrf_token": token, "email": "", "email_on": "y"})
    assert missing.status_code == 422
    with app.app_context():
        assert db.session.get(NotificationPref, world.lead_id) is None
    ok = client.post("/notifications/settings", data={"csrf_token": token, "email": "wang@example.com",
                                                       "email_on": "y"})
    assert ok.status_code == 302
    with app.app_context():
        pref = db.session.get(NotificationPref, world.lead_id)
        assert (pref.email, pref.email_on) == ("wang@example.com", True)
        event = db.session.execute(select(AuditEvent).where(AuditEvent.trigger == "notification_settings")
                                   ).scalar_one()
        assert event.entity_id == world.lead_id and "wang@example.com" not in event.data
        assert json.loads(event.data)["changes"]["email_on"] == [False, True]


def test_an_address_the_mail_library_refuses_does_not_block_the_others(app, world, smtp):
    """An address that passes the settings form but that the e-mail library
    cannot put in a header ("x@[1.2.3.4.x"): its notification is a failed
    send like any other (retried, then given up), and the notifications
    queued after it still go out in the same run."""
    app.config.update(MAIL_ENABLED=True, MAIL_MAX_TRIES=2)
    with app.app_context():
        from app.notifications.forms import EMAIL

        assert EMAIL.match("lead@[1.2.3.4.x")
        db.session.add(NotificationPref(user_id=world.lead_id, email="lead@[1.2.3.4.x", email_on=True,
                                        changed_at=NOW))
        db.session.add(NotificationPref(user_id=world.head_id, email="head@example.com", email_on=True,
                                        changed_at=NOW))
        notify(world.lead_id, "assigned", entity_type="dispute", entity_id=world.case, data={"case": "#1"}, now=NOW)
        notify(world.head_id, "assigned", entity_type="dispute", entity_id=world.case, data={"case": "#1"}, now=NOW)
        db.session.commit()
        report = tick(now=NOW)
        assert report.failed == [] and report.jobs["e-mails sent"] == 1
        assert [m["To"] for m in smtp.sent] == ["head@example.com"]
        [note] = ff.notifications_for(world.lead_id)
        assert (note.email_state, note.email_tries) == ("pending", 1)
        tick(now=NOW)
        [note] = ff.notifications_for(world.lead_id)
        assert (note.email_state, note.email_tries) == ("failed", 2)
