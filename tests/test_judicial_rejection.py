"""After the court rejects the application for judicial confirmation (裁定驳回
申请, People's Mediation Law art. 33) the parties may change the agreement or
reach a new one through mediation, or sue: the mediator takes the case back
into mediation (`mediate_after_rejection`), with a reason, audited, with a
new 30-day period; only after a rejection, only the case's mediators. The
resident's tracking page and the API read the application and the ruling;
the demo holds a confirmed and a rejected case."""
import json
import re
from datetime import date

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from app import clock, engine
from app.audit.models import AuditEvent
from app.audit.verify import verify
from app.disputes.judicial import judicial_confirmation
from app.disputes.models import Dispute
from app.engine.core import legal_end
from app.extensions import db
from app.followups.models import FollowUp
from tests import factories as f
from tests.factories import csrf, login
from tests.factories_api import bearer, cli_client
from tests.test_judicial_confirmation import COURT, SIGNED, TODAY, take
from tests.test_public import english as english_without_login
from tests.test_signing import english
from workflows import DISPUTE
from workflows.followup import OPEN

STEP = "mediate_after_rejection"
WHY = "法院以违约金过高驳回申请，双方同意变更协议"


@pytest.fixture
def world(app):
    with app.app_context():
        clock.set_now(TODAY)
        street, (c1, c2), grids = f.org()
        lead = f.user("mediator", community=c1)
        d = f.walk(f.dispute(lead, grids[0], now=SIGNED), lead, "accept", "assign", "start_mediation", "agree",
                   "sign", "start_performance", now=SIGNED)
        w = dict(lead=lead.username, lead_id=lead.id, case=d.id,
                 colleague=f.user("mediator", community=c1).username,
                 outsider=f.user("mediator", community=c2).username,
                 grid=f.user("gridworker", grid=grids[0]).username,
                 sup=f.user("supervisor", street=street).username, tracking=d.tracking_code)
        return type("World", (), w)


def user(name):
    return db.session.execute(select(f.User).where(f.User.username == name)).scalar_one()


def ruled(app, world, ruling):
    with app.app_context():
        lead, d = user(world.lead), db.session.get(Dispute, world.case)
        engine.fire(d, "apply_confirmation", lead, applied_on=date(2026, 11, 12), court=COURT)
        engine.fire(d, "record_ruling", lead, "协议约定的违约金过高", ruled_on=date(2026, 11, 19), ruling=ruling)


def steps_back(app):
    with app.app_context():
        return [(e.actor_id, e.actor_role, e.from_state, e.to_state, e.reason)
                for e in db.session.execute(select(AuditEvent).where(AuditEvent.trigger == STEP)).scalars()]


def test_after_a_rejection_the_mediator_takes_the_case_back_into_mediation(app, client, world):
    ruled(app, world, "rejected")
    with app.app_context():
        open_followups = db.session.execute(select(func.count()).select_from(FollowUp).where(
            FollowUp.dispute_id == world.case, FollowUp.state.in_(OPEN))).scalar()
    login(client, world.lead)
    english(client)
    page = client.get(f"/cases/{world.case}").get_data(as_text=True)
    window = page[page.index('id="confirmation-window"'):][:2500]
    assert "change the agreement or reach a new one through mediation, or sue" in window
    assert "Mediate again after the court" in window and f'data-step="{STEP}"' in page
    form = client.get(f"/cases/{world.case}?step={STEP}").get_data(as_text=True)
    assert "A new 30-day mediation period starts today" in form

    missing = take(client, world.case, STEP, reason="")
    assert missing.status_code == 422 and steps_back(app) == []

    assert take(client, world.case, STEP, reason=WHY).status_code == 302
    assert steps_back(app) == [(world.lead_id, "mediator", "performing", "mediating", WHY)]
    with app.app_context():
        d = db.session.get(Dispute, world.case)
        # A new legal period of the mediating state's 30 days from the step (the clock's now).
        mediating = DISPUTE.state("mediating")
        assert d.state == "mediating"
        assert d.due_at == legal_end(TODAY + mediating.deadline, mediating) and d.deadline_started_at == TODAY
        # The agreement's confirmation stays on the case: the rejection is still its last word.
        assert judicial_confirmation(d).rejected
        # The performance's follow-ups have nothing left to check.
        assert open_followups and db.session.execute(select(func.count()).select_from(FollowUp).where(
            FollowUp.dispute_id == world.case, FollowUp.state.in_(OPEN))).scalar() == 0
        assert verify() == []
    page = client.get(f"/cases/{world.case}").get_data(as_text=True)
    after = page[page.index('id="confirmation-after"'):][:600]
    assert "The case was taken back into mediation." in after
    assert f'data-step="{STEP}"' not in page and 'data-step="agree"' in page


def test_a_new_agreement_is_signed_anew_and_has_its_own_confirmation(app, world):
    ruled(app, world, "rejected")
    with app.app_context():
        lead, d = user(world.lead), db.session.get(Dispute, world.case)
        engine.fire(d, STEP, lead, WHY)
        f.walk(d, lead, "agree")
        assert d.signed_on is None and judicial_confirmation(d).applied is False
        f.walk(d, lead, "sign", now=TODAY)
        assert d.signed_on == clock.local_date(TODAY)
        engine.fire(d, "apply_confirmation", lead, applied_on=clock.local_date(TODAY), court=COURT)
        status = judicial_confirmation(d)
        assert status.applied and status.ruling is None
        assert verify() == []


@pytest.mark.parametrize("ruling, message", [
    (None, "only after the court rejects the application"),
    ("none-applied", "only after the court rejects the application"),
    ("confirmed", "confirmed this agreement as valid"),
])
def test_the_step_back_is_refused_without_a_rejection(app, world, ruling, message):
    with app.app_context():
        lead, d = user(world.lead), db.session.get(Dispute, world.case)
        if ruling in (None, "confirmed"):
            engine.fire(d, "apply_confirmation", lead, applied_on=date(2026, 11, 12), court=COURT)
        if ruling == "confirmed":
            engine.fire(d, "record_ruling", lead, ruled_on=date(2026, 11, 19), ruling="confirmed")
        assert STEP not in {t.trigger for t in engine.available(d, lead)}
        with force_locale("en"), pytest.raises(engine.GuardFailed, match=message):
            engine.fire(d, STEP, lead, WHY)
        assert d.state == "performing"
    assert steps_back(app) == []


def test_the_page_says_why_when_the_step_is_asked_for_without_a_rejection(app, client, world):
    login(client, world.lead)
    english(client)
    page = client.get(f"/cases/{world.case}?step={STEP}").get_data(as_text=True)
    assert "only after the court rejects the application" in page
    version = db_version(app, world)
    answer = client.post(f"/cases/{world.case}/fire/{STEP}", data={
        f"{STEP}-csrf_token": csrf(page), f"{STEP}-version": version, f"{STEP}-reason": WHY})
    assert answer.status_code in (409, 422)
    assert "only after the court rejects the application" in answer.get_data(as_text=True)
    assert steps_back(app) == []


def db_version(app, world):
    with app.app_context():
        return db.session.get(Dispute, world.case).version


def test_a_closed_case_is_not_taken_back_and_the_page_says_what_the_parties_may_do(app, client, world):
    ruled(app, world, "rejected")
    with app.app_context():
        lead, d = user(world.lead), db.session.get(Dispute, world.case)
        f.walk(d, lead, "fulfil", "close")
        with pytest.raises(engine.NotAllowed):
            engine.fire(d, STEP, lead, WHY)
    login(client, world.lead)
    english(client)
    page = client.get(f"/cases/{world.case}").get_data(as_text=True)
    assert "The case is closed, so it is not mediated again" in page
    assert steps_back(app) == []


def test_other_roles_and_mediators_not_on_the_case_are_refused(app, client, world):
    ruled(app, world, "rejected")
    with app.app_context():
        d = db.session.get(Dispute, world.case)
        with pytest.raises(engine.Forbidden):
            engine.fire(d, STEP, user(world.grid), WHY)
        with pytest.raises(engine.Forbidden):
            engine.fire(d, STEP, user(world.sup), WHY)
        with pytest.raises(engine.Forbidden):  # another community's mediator: outside their area
            engine.fire(d, STEP, user(world.outsider), WHY)
        with force_locale("en"), pytest.raises(engine.GuardFailed, match="Only the mediators assigned"):
            engine.fire(d, STEP, user(world.colleague), WHY)
        version = d.version
    for name, statuses in ((world.grid, (403,)), (world.colleague, (409, 422)), (world.outsider, (403, 404))):
        other = app.test_client()
        login(other, name)
        page = other.get("/cases/").get_data(as_text=True)
        answer = other.post(f"/cases/{world.case}/fire/{STEP}", data={
            f"{STEP}-csrf_token": csrf(page), f"{STEP}-version": version, f"{STEP}-reason": WHY})
        assert answer.status_code in statuses, (name, answer.status_code)
    assert steps_back(app) == []
    with app.app_context():
        assert db.session.get(Dispute, world.case).state == "performing"


def track(client, code):
    page = client.get("/track").get_data(as_text=True)
    return client.post("/track", data={"csrf_token": csrf(page), "code": code}).get_data(as_text=True)


def tracked(page):
    found = re.search(r'id="track-confirmation">(.*?)</dd>', page, re.S)
    return re.sub(r"\s+", " ", found.group(1)) if found else None


def test_the_tracking_page_reads_the_application_and_the_ruling_without_the_note(app, client, world):
    english_without_login(client)
    assert tracked(track(client, world.tracking)) is None  # nothing applied for yet
    with app.app_context():
        lead, d = user(world.lead), db.session.get(Dispute, world.case)
        engine.fire(d, "apply_confirmation", lead, applied_on=date(2026, 11, 12), court=COURT)
    text = tracked(track(client, world.tracking))
    assert f"The parties applied to {COURT} on Nov 12, 2026" in text and "has not ruled yet" in text
    with app.app_context():
        lead, d = user(world.lead), db.session.get(Dispute, world.case)
        engine.fire(d, "record_ruling", lead, "协议约定的违约金过高", ruled_on=date(2026, 11, 19), ruling="rejected")
    page = track(client, world.tracking)
    text = tracked(page)
    assert "On Nov 19, 2026 the court rejected the application" in text
    assert "change the agreement or make a new one through mediation, or take the dispute to court" in text
    assert "违约金" not in page  # the mediator's note is not the resident's to read
    with app.app_context():
        lead, d = user(world.lead), db.session.get(Dispute, world.case)
        engine.fire(d, STEP, lead, WHY)
        names = [p.name for p in d.parties]
    page = track(client, world.tracking)
    assert "The case is being mediated again." in tracked(page)
    assert WHY not in page and not any(name in page for name in names)


def test_the_tracking_page_reads_a_confirmation(app, client, world):
    ruled(app, world, "confirmed")
    english_without_login(client)
    text = tracked(track(client, world.tracking))
    assert "On Nov 19, 2026 the court confirmed the agreement as valid" in text
    assert "ask the court to enforce it" in text


def test_the_api_gives_the_application_and_the_ruling(app, client):
    with app.app_context():
        clock.set_now(TODAY)
        _, (community, _c2), grids = f.org()
        lead = f.user("mediator", community=community)
        lead_id, community_id, grid_id = lead.id, community.id, grids[0].id
    token = cli_client(app, "hotline", "disputes:write", "disputes:read")
    sent = client.post("/api/v1/disputes", headers=bearer(token), json={
        "community_id": community_id, "grid_id": grid_id, "description": "楼上漏水，双方就维修费用争执。",
        "parties": [{"role": "applicant", "name": "张三"}, {"role": "respondent", "name": "李四"}]})
    assert sent.status_code == 201, sent.json
    case_id = sent.json["id"]
    assert sent.json["judicial_confirmation"] is None
    with app.app_context():
        lead, d = db.session.get(f.User, lead_id), db.session.get(Dispute, case_id)
        f.walk(d, lead, "accept", "assign", "start_mediation", "agree", "sign", now=SIGNED)
        engine.fire(d, "apply_confirmation", lead, applied_on=date(2026, 11, 12), court=COURT)
    read = client.get(f"/api/v1/disputes/{case_id}", headers=bearer(token)).json
    assert read["judicial_confirmation"] == {"applied_on": "2026-11-12", "court": COURT, "ruling": None,
                                             "ruling_label": None, "ruled_on": None}
    with app.app_context():
        lead, d = db.session.get(f.User, lead_id), db.session.get(Dispute, case_id)
        engine.fire(d, "record_ruling", lead, "协议约定的违约金过高", ruled_on=date(2026, 11, 19), ruling="rejected")
    listed = client.get("/api/v1/disputes", headers=bearer(token)).json["items"]
    [confirmation] = [c["judicial_confirmation"] for c in listed if c["id"] == case_id]
    assert confirmation == {"applied_on": "2026-11-12", "court": COURT, "ruling": "rejected",
                            "ruling_label": {"zh": confirmation["ruling_label"]["zh"], "en": "Rejected by the court"},
                            "ruled_on": "2026-11-19"}
    assert "违约金" not in json.dumps(listed, ensure_ascii=False)  # the note stays with the centre
    document = client.get("/api/v1/openapi.json").json
    schema = document["components"]["schemas"]
    assert "judicial_confirmation" in schema["DisputeOut"]["required"]
    assert set(schema["JudicialConfirmationOut"]["properties"]) == {
        "applied_on", "court", "ruling", "ruling_label", "ruled_on"}


def test_the_demo_holds_a_confirmed_case_and_a_rejected_one_back_in_mediation(app):
    out = app.test_cli_runner().invoke(args=["demo", "load", "--cases", "25"])
    assert out.exit_code == 0, out.output
    assert "judicial confirmation: 2 cases applied for" in out.output
    with app.app_context():
        applied = db.session.execute(select(AuditEvent.entity_id).where(
            AuditEvent.trigger == "apply_confirmation")).scalars().all()
        cases = [db.session.get(Dispute, i) for i in applied]
        by_ruling = {judicial_confirmation(d).ruling: d for d in cases}
        assert set(by_ruling) == {"confirmed", "rejected"}
        confirmed, rejected = by_ruling["confirmed"], by_ruling["rejected"]
        assert confirmed.state in ("agreed", "performing", "breached", "fulfilled")
        assert rejected.state == "mediating" and rejected.due_at > clock.now()
        [(actor, reason)] = db.session.execute(select(AuditEvent.actor_id, AuditEvent.reason).where(
            AuditEvent.trigger == STEP, AuditEvent.entity_id == rejected.id)).all()
        demo_mediator = user("mediator")
        assert actor == demo_mediator.id and reason
        assert {confirmed.assignee_id, rejected.assignee_id} == {demo_mediator.id}
        assert verify() == []


def test_the_step_back_is_declared_where_a_ruling_is_recorded_and_nowhere_else():
    ruling_states = {s for t in DISPUTE.transitions if t.trigger == "record_ruling" for s in t.sources}
    back = [t for t in DISPUTE.transitions if t.trigger == STEP]
    assert {s for t in back for s in t.sources} == ruling_states
    assert not ruling_states & {"closed", "archived", "withdrawn"}
    assert all(t.dest == "mediating" and t.reason_required and not t.keep_deadline for t in back)



def test_the_case_page_reads_the_confirmation_from_its_timeline_as_the_log_gives_it(app, client, world):
    """At each stage of two agreements' confirmations (nothing, applied, rejected, back in mediation, a new
    agreement signed and applied for) the confirmation taken from the events the case's timeline read is the
    one the log's own reader gives; the case page reads the log once, for its timeline."""
    from app.disputes.judicial import JudicialConfirmation, judicial_confirmation_from
    from app.timeline import timeline_and_events
    from tests.test_statement_budgets import counted

    def stage(fire):
        with app.app_context():
            lead, d = user(world.lead), db.session.get(Dispute, world.case)
            fire(lead, d)
            db.session.commit()
            logged = judicial_confirmation(d)
            d.__dict__.pop("_judicial")
            with app.test_request_context():
                _entries, events = timeline_and_events(d, "en", viewer=lead)
            judicial_confirmation_from(d, events)
            assert d._judicial == (d.version, logged)
            return logged

    login(client, world.lead)
    stages = [
        lambda lead, d: None,
        lambda lead, d: engine.fire(d, "apply_confirmation", lead, applied_on=date(2026, 11, 12), court=COURT),
        lambda lead, d: engine.fire(d, "record_ruling", lead, "违约金过高", ruled_on=date(2026, 11, 19),
                                    ruling="rejected"),
        lambda lead, d: engine.fire(d, STEP, lead, WHY),
        lambda lead, d: f.walk(d, lead, "agree", "sign", now=TODAY),
        lambda lead, d: engine.fire(d, "apply_confirmation", lead, applied_on=clock.local_date(TODAY), court="另一法院"),
    ]
    seen = [stage(fire) for fire in stages]
    assert [s.applied for s in seen] == [False, True, True, True, False, True]
    assert seen[2].rejected and seen[-1] == JudicialConfirmation(applied_on=clock.local_date(TODAY), court="另一法院")
    client.get(f"/cases/{world.case}")
    with counted(app) as statements:
        page = client.get(f"/cases/{world.case}").get_data(as_text=True)
    assert "另一法院" in page
    assert len([s for s in statements if "FROM audit_events" in s]) == 1, statements


def test_a_confirmation_recorded_beside_sealed_personal_data_reads_the_same_erased_or_not(app, world):
    """The steps' data is read as every reader of the log reads it (open_all): a personal value recorded with
    the application is sealed with the case's key, and the application and the ruling read the same with
    the key and once it is destroyed (crypto-shredding)."""
    from app.audit.chain import record
    from app.audit.personal import destroy_key
    from app.disputes.judicial import JudicialConfirmation, judicial_confirmation_from, judicial_confirmations

    with app.app_context():
        lead, d = user(world.lead), db.session.get(Dispute, world.case)
        record("dispute", d.id, "apply_confirmation", lead, from_state=d.state, to_state=d.state,
               data={"applied_on": "2026-11-12", "court": COURT, "applicant_phone": "13812345678"})
        record("dispute", d.id, "record_ruling", lead, from_state=d.state, to_state=d.state, reason="确认有效",
               data={"ruled_on": "2026-11-19", "ruling": "confirmed"})
        db.session.commit()
        sealed = db.session.execute(select(AuditEvent.data).where(
            AuditEvent.entity_id == d.id, AuditEvent.trigger == "apply_confirmation")).scalar_one()
        assert "13812345678" not in sealed and '"enc":"v1"' in sealed  # the premise: the event holds sealed data
        expected = JudicialConfirmation(applied_on=date(2026, 11, 12), court=COURT, ruled_on=date(2026, 11, 19),
                                        ruling="confirmed", note="确认有效")
        events = db.session.execute(select(AuditEvent).where(AuditEvent.entity_id == d.id,
                                                             AuditEvent.entity_type == "dispute")).scalars().all()
        for destroy in (False, True):
            if destroy:
                destroy_key(db.session.connection(), "dispute", d.id, TODAY)
                db.session.commit()
            d.__dict__.pop("_judicial", None)
            assert judicial_confirmation(d) == expected
            assert judicial_confirmations([d]) == {d.id: expected}
            judicial_confirmation_from(d, events)
            assert d._judicial[1] == expected
