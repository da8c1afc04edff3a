"""Judicial confirmation (司法确认, People's Mediation Law art. 33): the
mediator records the parties' application to the court while the 30 days
run, then the court's ruling; both keep the case's state and due time, are
audited, are refused outside the window, before applying or twice, and
read on the case page and in the case file."""
import json
import re
from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from app import clock, engine
from app.audit.models import AuditEvent
from app.audit.verify import verify
from app.disputes.models import Dispute
from app.extensions import db
from tests import factories as f
from tests.factories import csrf, login
from tests.test_signing import english

SIGNED = datetime(2026, 11, 10, 2, 0)  # signed 10 November: the window runs until Thursday 10 December
TODAY = datetime(2026, 11, 20, 2, 0)
COURT = "莱阳市人民法院"


@pytest.fixture
def world(app):
    with app.app_context():
        clock.set_now(TODAY)
        street, (c1, _c2), grids = f.org()
        lead = f.user("mediator", community=c1)
        d = f.walk(f.dispute(lead, grids[0], now=SIGNED), lead, "accept", "assign", "start_mediation", "agree",
                   "sign", now=SIGNED)
        w = dict(lead=lead.username, lead_id=lead.id, case=d.id, due=d.due_at,
                 colleague=f.user("mediator", community=c1).username,
                 grid=f.user("gridworker", grid=grids[0]).username,
                 sup=f.user("supervisor", street=street).username)
        return type("World", (), w)


def take(client, case_id, trigger, **fields):
    page = client.get(f"/cases/{case_id}?step={trigger}").get_data(as_text=True)
    version = re.search(rf'name="{trigger}-version" type="hidden" value="(\d+)"', page).group(1)
    return client.post(f"/cases/{case_id}/fire/{trigger}", data={
        f"{trigger}-csrf_token": csrf(page), f"{trigger}-version": version,
        **{f"{trigger}-{name}": value for name, value in fields.items()}})


def case(app, world):
    with app.app_context():
        return db.session.get(Dispute, world.case)


def events(app, trigger):
    with app.app_context():
        return [(json.loads(e.data), e.actor_id, e.actor_role, e.from_state, e.to_state, e.reason)
                for e in db.session.execute(select(AuditEvent).where(AuditEvent.trigger == trigger)).scalars()]


def the_lead(world):
    return db.session.execute(select(f.User).where(f.User.username == world.lead)).scalar_one()


def test_the_application_is_recorded_and_the_window_stops_counting(app, client, world):
    login(client, world.lead)
    english(client)
    page = client.get(f"/cases/{world.case}").get_data(as_text=True)
    assert "20 days left, until Dec 10, 2026." in page
    assert 'data-step="apply_confirmation"' in page and 'data-step="record_ruling"' not in page
    answer = take(client, world.case, "apply_confirmation", applied_on="2026-11-18", court=COURT)
    assert answer.status_code == 302
    [(data, actor, role, source, dest, _note)] = events(app, "apply_confirmation")
    assert (data["applied_on"], data["court"], actor, role, source, dest) == (
        "2026-11-18", COURT, world.lead_id, "mediator", "agreed", "agreed")
    with app.app_context():
        d = db.session.get(Dispute, world.case)
        assert (d.state, d.due_at) == ("agreed", world.due)  # the window's timeout still moves it on
        assert verify() == []
    page = client.get(f"/cases/{world.case}").get_data(as_text=True)
    window = page[page.index('id="confirmation-window"'):][:1500]
    assert f"the parties applied to {COURT} on Nov 18, 2026; the court’s ruling is awaited." in window
    assert "days left" not in window
    assert 'data-step="apply_confirmation"' not in page and 'data-step="record_ruling"' in page


def test_a_rejection_says_what_the_parties_may_do_and_is_kept_with_its_note(app, client, world):
    login(client, world.lead)
    english(client)
    assert take(client, world.case, "apply_confirmation", applied_on="2026-11-12", court=COURT).status_code == 302
    answer = take(client, world.case, "record_ruling", ruled_on="2026-11-19", ruling="rejected",
                  reason="协议内容违反法律规定")
    assert answer.status_code == 302
    [(data, actor, _role, source, dest, note)] = events(app, "record_ruling")
    assert (data["ruled_on"], data["ruling"], actor, source, dest, note) == (
        "2026-11-19", "rejected", world.lead_id, "agreed", "agreed", "协议内容违反法律规定")
    page = client.get(f"/cases/{world.case}").get_data(as_text=True)
    window = page[page.index('id="confirmation-window"'):][:1500]
    assert "the court rejected the application on Nov 19, 2026." in window
    assert "change the agreement or reach a new one through mediation, or sue" in window
    assert "协议内容违反法律规定" in window
    assert 'data-step="record_ruling"' not in page
    with app.app_context():
        assert verify() == []


def test_a_confirmation_in_performance_reads_on_the_page_and_in_the_case_file(app, client, world):
    with app.app_context():
        lead, d = the_lead(world), db.session.get(Dispute, world.case)
        engine.fire(d, "start_performance", lead)
        engine.fire(d, "apply_confirmation", lead, applied_on=date(2026, 11, 12), court=COURT)
        engine.fire(d, "record_ruling", lead, ruled_on=date(2026, 11, 20), ruling="confirmed")
        assert d.state == "performing"
    login(client, world.lead)
    english(client)
    page = client.get(f"/cases/{world.case}").get_data(as_text=True)
    window = page[page.index('id="confirmation-window"'):][:1500]
    assert "the court confirmed the agreement as valid on Nov 20, 2026." in window
    assert "apply to the people’s court for enforcement" in window
    supervisor = app.test_client()
    login(supervisor, world.sup)
    english(supervisor)
    printed = supervisor.get(f"/supervision/cases/{world.case}/casefile").get_data(as_text=True)
    assert COURT in printed and "Confirmed valid by the court" in printed


def test_no_ruling_before_an_application_and_neither_twice(app, world):
    with app.app_context():
        lead, d = the_lead(world), db.session.get(Dispute, world.case)
        with pytest.raises(engine.GuardFailed, match="请先登记当事人的司法确认申请"):
            engine.fire(d, "record_ruling", lead, ruled_on=date(2026, 11, 19), ruling="confirmed")
        engine.fire(d, "apply_confirmation", lead, applied_on=date(2026, 11, 12), court=COURT)
        with pytest.raises(engine.GuardFailed, match="司法确认申请已登记"):
            engine.fire(d, "apply_confirmation", lead, applied_on=date(2026, 11, 13), court=COURT)
        with pytest.raises(engine.GuardFailed, match="裁定日期不能早于该日"):
            engine.fire(d, "record_ruling", lead, ruled_on=date(2026, 11, 11), ruling="confirmed")
        engine.fire(d, "record_ruling", lead, ruled_on=date(2026, 11, 19), ruling="confirmed")
        with pytest.raises(engine.GuardFailed, match="司法确认裁定已登记"):
            engine.fire(d, "record_ruling", lead, ruled_on=date(2026, 11, 19), ruling="rejected")
        assert db.session.execute(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.trigger.in_(("apply_confirmation", "record_ruling")))).scalar() == 2


@pytest.mark.parametrize("applied_on, message", [
    (date(2026, 11, 9), "took effect on"),
    (date(2026, 11, 21), "cannot be in the future"),
])
def test_an_application_dated_before_the_agreement_took_effect_or_in_the_future_is_refused(
        app, client, world, applied_on, message):
    login(client, world.lead)
    english(client)
    answer = take(client, world.case, "apply_confirmation", applied_on=applied_on.isoformat(), court=COURT)
    assert answer.status_code == 422 and message in answer.get_data(as_text=True)
    assert events(app, "apply_confirmation") == []


def test_no_application_once_the_window_closed_nor_before_the_agreement_took_effect(app, world):
    with app.app_context():
        lead, d = the_lead(world), db.session.get(Dispute, world.case)
        engine.fire(d, "start_performance", lead)
        clock.set_now(datetime(2026, 12, 11, 2, 0))  # the day after the last day
        with pytest.raises(engine.GuardFailed, match="已于.*届满"):
            engine.fire(d, "apply_confirmation", lead, applied_on=date(2026, 12, 1), court=COURT)
        assert "apply_confirmation" not in {t.trigger for t in engine.available(d, lead)}
        clock.set_now(TODAY)
        unsigned = f.walk(f.dispute(lead, d.grid, now=SIGNED), lead, "accept", "assign", "start_mediation",
                          "agree", now=SIGNED)
        with pytest.raises(engine.GuardFailed, match="调解协议尚未生效"):
            engine.fire(unsigned, "apply_confirmation", lead, applied_on=date(2026, 11, 12), court=COURT)
        closed = f.walk(f.dispute(lead, d.grid, now=SIGNED), lead, "accept", "assign", "start_mediation",
                        "agree", "sign", "start_performance", "fulfil", now=SIGNED)
        with pytest.raises(engine.NotAllowed):  # applying is for an agreement still agreed or being performed
            engine.fire(closed, "apply_confirmation", lead, applied_on=date(2026, 11, 12), court=COURT)


def test_a_grid_worker_and_a_mediator_not_on_the_case_cannot_record_them(app, client, world):
    login(client, world.grid)
    page = client.get(f"/cases/{world.case}").get_data(as_text=True)
    assert 'data-step="apply_confirmation"' not in page
    version = case(app, world).version
    answer = client.post(f"/cases/{world.case}/fire/apply_confirmation", data={
        "apply_confirmation-csrf_token": csrf(page), "apply_confirmation-version": version,
        "apply_confirmation-applied_on": "2026-11-12",
        "apply_confirmation-court": COURT})
    assert answer.status_code == 403
    with app.app_context():
        d = db.session.get(Dispute, world.case)
        grid = db.session.execute(select(f.User).where(f.User.username == world.grid)).scalar_one()
        colleague = db.session.execute(select(f.User).where(f.User.username == world.colleague)).scalar_one()
        with pytest.raises(engine.Forbidden):
            engine.fire(d, "apply_confirmation", grid, applied_on=date(2026, 11, 12), court=COURT)
        with pytest.raises(engine.GuardFailed, match="指派的调解员"):
            engine.fire(d, "apply_confirmation", colleague, applied_on=date(2026, 11, 12), court=COURT)
    assert events(app, "apply_confirmation") == []
