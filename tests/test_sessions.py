"""Mediation sessions (调解记录) through the web client: who may record one,
when, what is refused, and that the row and its audit event go together."""
import json
import re
from datetime import datetime

import pytest
from sqlalchemy import func, select

from app import clock, engine
from app.audit.models import AuditEvent
from app.disputes.models import Dispute, MediationSession
from app.extensions import db
from tests import factories_supervision as fs
from tests import factories as f
from tests.factories import csrf, login

# 2026-11-20, 09:00 in Laiyang (UTC+8) the case is registered; "now" is 14:00 there.
REGISTERED = datetime(2026, 11, 20, 1, 0)
NOW = datetime(2026, 11, 20, 6, 0)


def _user(username):
    return db.session.execute(select(f.User).where(f.User.username == username)).scalar_one()


@pytest.fixture
def world(app):
    clock.set_now(NOW)
    with app.app_context():
        street, (c1, c2), grids = f.org()
        lead = f.user("mediator", community=c1)
        co = f.user("mediator", community=c1)
        w = dict(
            lead=lead.username, co=co.username, co_name=co.display_name, lead_name=lead.display_name,
            bystander=f.user("mediator", community=c1).username,  # same community, not on the case
            outsider=f.user("mediator", community=c2).username,
            gw=f.user("gridworker", grid=grids[0]).username,
            sup=f.user("supervisor", street=street).username,
        )
        d = f.dispute(lead, grids[0], now=REGISTERED)
        f.walk(d, lead, "accept", now=REGISTERED)
        engine.fire(d, "assign", lead, mediator_id=lead.id, co_mediator_ids=[co.id], now=REGISTERED)
        w["assigned_case"] = f.dispute(lead, grids[0], now=REGISTERED).id
        f.walk(db.session.get(Dispute, w["assigned_case"]), lead, "accept", "assign", now=REGISTERED)
        f.walk(d, lead, "start_mediation", now=REGISTERED)
        w["case"] = d.id
        return type("World", (), w)


def english(client):
    client.post("/language/en", data={"csrf_token": csrf(client.get("/cases/").get_data(as_text=True)),
                                      "next": "/cases/"})


def case_page(client, case_id, step=None, form=None):
    query = f"?step={step}" if step else f"?form={form}" if form else ""
    return client.get(f"/cases/{case_id}" + query).get_data(as_text=True)


def post_session(client, case_id, page=None, **changes):
    page = page or case_page(client, case_id)
    data = {"session-csrf_token": csrf(page), "session-held_at": "2026-11-20T10:30",
            "session-place": "社区调解室", "session-attendees": "当事人1、当事人2，调解员二人",
            "session-record": "双方陈述了漏水经过，同意次日共同查看现场。"}
    data.update({f"session-{k}": v for k, v in changes.items()})
    return client.post(f"/cases/{case_id}/sessions", data=data)


def sessions_of(app, case_id):
    with app.app_context():
        return db.session.execute(
            select(MediationSession).where(MediationSession.dispute_id == case_id).order_by(MediationSession.id)
        ).scalars().all()


def events_of(app, case_id, trigger):
    with app.app_context():
        return db.session.execute(
            select(AuditEvent).where(AuditEvent.entity_id == case_id, AuditEvent.trigger == trigger)
        ).scalars().all()


def test_the_lead_mediator_records_a_session(app, client, world):
    login(client, world.lead)
    page = case_page(client, world.case)
    # The panel's button opens the form, fetched then (or in place with ?form=session).
    assert 'id="session-form"' in page and 'name="session-record"' not in page
    assert f'data-fetch-form="/cases/{world.case}/sessions"' in page
    fragment = client.get(f"/cases/{world.case}/sessions")
    html = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and "data-form-fragment" in html and 'name="session-record"' in html
    assert 'name="session-held_at"' in html and "<html" not in html
    opened = case_page(client, world.case, form="session")
    assert 'class="collapse show" id="session-form"' in opened and 'name="session-record"' in opened
    response = post_session(client, world.case, page=page)
    assert response.status_code == 302 and response.location.endswith(f"/cases/{world.case}#sessions")
    (row,) = sessions_of(app, world.case)
    assert row.held_at == datetime(2026, 11, 20, 2, 30)  # 10:30 in UTC+8, stored in UTC
    assert (row.place, row.recorded_at) == ("社区调解室", NOW)
    (event,) = events_of(app, world.case, "session_recorded")
    data = json.loads(event.data)
    assert data == {"session_id": row.id, "held_at": "2026-11-20T10:30:00+08:00", "place": "社区调解室",
                    "attendees": "当事人1、当事人2，调解员二人", "record": "双方陈述了漏水经过，同意次日共同查看现场。"}
    assert (event.from_state, event.to_state, event.actor_role) == (None, None, "mediator")
    with app.app_context():
        assert db.session.get(Dispute, world.case).state == "mediating"  # a session is not a step
    page = case_page(client, world.case)
    listed = page[page.index('id="session-list"'):]
    assert "双方陈述了漏水经过" in listed and world.lead_name in listed and "社区调解室" in listed
    assert "记录调解过程" in page[page.index('id="timeline"'):]


def test_sessions_are_listed_oldest_first(app, client, world):
    login(client, world.lead)
    post_session(client, world.case, held_at="2026-11-20T13:00", record="第二次调解")
    post_session(client, world.case, held_at="2026-11-20T10:00", record="第一次调解")
    page = case_page(client, world.case)
    listed = page[page.index('id="session-list"'):]
    assert listed.index("第一次调解") < listed.index("第二次调解")


def test_the_row_and_its_audit_event_are_one_transaction(app, client, world, monkeypatch):
    from app.disputes import sessions

    def broken(*args, **kwargs):
        raise RuntimeError("the audit log is unavailable")

    monkeypatch.setattr(sessions, "audit_record", broken)
    login(client, world.lead)
    page = case_page(client, world.case)
    with pytest.raises(RuntimeError):
        post_session(client, world.case, page=page)
    assert sessions_of(app, world.case) == []
    assert events_of(app, world.case, "session_recorded") == []


def test_time_is_read_in_the_users_time_zone(app, client, world):
    login(client, world.lead)
    # 13:30 in UTC+8 is 05:30 UTC: earlier than "now" (06:00 UTC), though 13:30 > 06:00.
    assert post_session(client, world.case, held_at="2026-11-20T13:30").status_code == 302


@pytest.mark.parametrize("changes, message", [
    ({"held_at": "2026-11-20T14:30"}, "in the future"),
    ({"held_at": "2027-01-01T09:00"}, "in the future"),
    ({"held_at": "2026-11-20T08:00"}, "before the case was registered"),
    ({"held_at": "yesterday"}, "Not a valid datetime"),
    ({"held_at": ""}, "Enter the date and time"),
    ({"record": "  "}, "required"),
    ({"place": ""}, "required"),
    ({"place": "x" * 201}, "200"),
])
def test_bad_session_input_is_refused_next_to_the_field(app, client, world, changes, message):
    login(client, world.lead)
    english(client)
    response = post_session(client, world.case, **changes)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert message in body and "invalid-feedback" in body
    assert 'class="collapse show" id="session-form"' in body  # the form stays open, with what was entered
    assert sessions_of(app, world.case) == []


def test_the_same_form_sent_twice_records_one_session(app, client, world):
    login(client, world.lead)
    page = case_page(client, world.case)
    assert post_session(client, world.case, page=page).status_code == 302
    again = post_session(client, world.case, page=page)
    assert again.status_code == 302
    assert len(sessions_of(app, world.case)) == 1
    assert len(events_of(app, world.case, "session_recorded")) == 1


def test_a_co_mediator_records_a_session_and_the_agreement(app, client, world):
    login(client, world.co)
    page = case_page(client, world.case)
    assert world.co_name in page[page.index('id="co-mediators"'):]
    assert post_session(client, world.case, page=page).status_code == 302
    (row,) = sessions_of(app, world.case)
    page = case_page(client, world.case, step="agree")
    version = re.search(r'name="agree-version" type="hidden" value="(\d+)"', page).group(1)
    form = {"agree-csrf_token": csrf(page), "agree-version": version, "agree-form": "oral", "agree-terms": "赔礼道歉"}
    assert client.post(f"/cases/{world.case}/fire/agree", data=form).status_code == 302
    with app.app_context():
        assert row.recorded_by_id == _user(world.co).id
        assert db.session.get(Dispute, world.case).state == "agreed"


def test_a_session_before_mediation_starts_is_refused(app, client, world):
    login(client, world.lead)
    english(client)
    page = case_page(client, world.assigned_case)
    assert 'id="session-form"' not in page and "start mediation before recording a session" in page
    fragment = client.get(f"/cases/{world.assigned_case}/sessions")  # a panel fetched from a page left open
    assert fragment.status_code == 409 and "data-form-fragment" in fragment.get_data(as_text=True)
    assert "start mediation before recording a session" in fragment.get_data(as_text=True)
    response = post_session(client, world.assigned_case, page=page)
    assert response.status_code == 409
    assert "start mediation before recording a session" in response.get_data(as_text=True)
    assert sessions_of(app, world.assigned_case) == []


def test_a_session_after_the_agreement_is_refused(app, client, world):
    with app.app_context():
        f.walk(db.session.get(Dispute, world.case), _user(world.lead), "agree")
    login(client, world.lead)
    english(client)
    page = case_page(client, world.case)
    assert 'id="session-form"' not in page
    response = post_session(client, world.case, page=page)
    assert response.status_code == 409
    assert "only be recorded while the case is being mediated" in response.get_data(as_text=True)
    assert sessions_of(app, world.case) == []


@pytest.mark.parametrize("who", ["bystander", "gw", "sup"])
def test_only_the_cases_mediators_may_record(app, client, world, who):
    login(client, getattr(world, who))
    english(client)
    page = case_page(client, world.case)
    assert 'id="session-form"' not in page
    assert 'name="session-record"' not in case_page(client, world.case, form="session")
    assert client.get(f"/cases/{world.case}/sessions").status_code == 403
    response = post_session(client, world.case, page=page)
    assert response.status_code == 403
    assert "Only the mediators working on this case" in response.get_data(as_text=True)
    assert sessions_of(app, world.case) == []


def test_another_communitys_case_is_404(app, client, world):
    login(client, world.outsider)
    response = post_session(client, world.case, page=client.get("/cases/").get_data(as_text=True))
    assert response.status_code == 404
    assert sessions_of(app, world.case) == []


def test_a_sealed_case_takes_no_session(app, client, world):
    with app.app_context():
        lead = _user(world.lead)
        d = db.session.get(Dispute, world.case)
        f.walk(d, lead, "agree", "start_performance", "fulfil", "close")
        f.walk(fs.signed_off(d), lead, "archive")
        assert d.state == "archived"
    login(client, world.lead)
    english(client)
    page = case_page(client, world.case)
    assert 'id="session-form"' not in page
    response = post_session(client, world.case, page=page)
    assert response.status_code == 409
    assert "sealed" in response.get_data(as_text=True)
    assert sessions_of(app, world.case) == []


def test_the_supervisor_reads_the_sessions(app, client, world):
    login(client, world.lead)
    post_session(client, world.case)
    client.post("/logout", data={"csrf_token": csrf(case_page(client, world.case))})
    login(client, world.sup)
    page = case_page(client, world.case)
    assert "双方陈述了漏水经过" in page and 'id="session-form"' not in page


def test_co_mediators_are_assigned_through_the_web(app, client, world):
    with app.app_context():
        lead, co = _user(world.lead), _user(world.co)
        d = f.dispute(lead, db.session.get(Dispute, world.case).grid)
        f.walk(d, lead, "accept")
        case_id, lead_id, co_id = d.id, lead.id, co.id
    login(client, world.lead)
    page = client.get(f"/cases/{case_id}/steps/assign").get_data(as_text=True)  # as the page fetches it
    version = re.search(r'name="assign-version" type="hidden" value="(\d+)"', page).group(1)
    sent = {"assign-csrf_token": csrf(page), "assign-version": version, "assign-mediator_id": str(lead_id)}
    # The lead ticked among the co-mediators too is refused, saying so (the history named them as one).
    response = client.post(f"/cases/{case_id}/fire/assign", data=dict(sent, **{
        "assign-co_mediator_ids": [str(co_id), str(lead_id)]}))
    assert response.status_code == 422 and "请不要同时勾选为协助调解员" in response.get_data(as_text=True)
    response = client.post(f"/cases/{case_id}/fire/assign", data=dict(sent, **{"assign-co_mediator_ids": [str(co_id)]}))
    assert response.status_code == 302
    page = case_page(client, case_id)
    assert world.lead_name in page[page.index('id="lead-mediator"'):page.index('id="co-mediators"')]
    assert world.co_name in page[page.index('id="co-mediators"'):]
    with app.app_context():
        d = db.session.get(Dispute, case_id)
        assert [m.id for m in d.co_mediators] == [co_id]
    # The co-mediator passes the "assigned mediators only" guard; a bystander does not.
    client.post("/logout", data={"csrf_token": csrf(page)})
    login(client, world.co)
    page = case_page(client, case_id, step="start_mediation")
    version = re.search(r'name="start_mediation-version" type="hidden" value="(\d+)"', page).group(1)
    response = client.post(f"/cases/{case_id}/fire/start_mediation", data={
        "start_mediation-csrf_token": csrf(page), "start_mediation-version": version,
        "start_mediation-notice_given": "y"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Dispute, case_id).state == "mediating"
        count = db.session.execute(select(func.count(AuditEvent.id)).where(
            AuditEvent.entity_id == case_id, AuditEvent.trigger == "start_mediation")).scalar()
        assert count == 1


def test_a_mediator_not_on_the_case_does_not_pass_the_assignee_guard(app, client, world):
    login(client, world.bystander)
    page = case_page(client, world.case)
    assert 'data-step="agree"' not in page
    assert client.get(f"/cases/{world.case}/steps/agree").status_code == 409
    with app.app_context():
        version = db.session.get(Dispute, world.case).version
    form = {"agree-csrf_token": csrf(page), "agree-version": str(version), "agree-form": "oral", "agree-terms": "x"}
    response = client.post(f"/cases/{world.case}/fire/agree", data=form)
    assert response.status_code == 422
    with app.app_context():
        assert db.session.get(Dispute, world.case).state == "mediating"


def test_a_session_sent_back_with_errors_leads_to_its_form(app, client, world):
    """The form is screens below the top of the case page: the top message
    links to it, and its first marked field has focus (no script needed)."""
    login(client, world.lead)
    response = post_session(client, world.case, held_at="2026-11-20T14:30")  # in the future
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert re.search(r'role="alert">请按提示更正标出的填写项。\s*<a class="alert-link" href="#sessions">转到表单</a>', body)
    assert 'id="sessions"' in body
    assert re.search(r'<input[^>]*autofocus[^>]*name="session-held_at"', body)
    assert "autofocus" not in case_page(client, world.case, form="session")  # only after an error
