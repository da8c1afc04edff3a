"""Signing a written agreement (it takes effect when every party and the
mediator have signed): the signing date and who signed, the judicial-
confirmation window from it, the printed 协议书, bad dates refused; the
agreed amount apart from the amount claimed, in the statistics."""
import re
from datetime import date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app import clock, engine
from app.audit.models import AuditEvent
from app.audit.verify import verify
from app.disputes.models import Dispute
from app.disputes.rules import signer_choices
from app.engine.edits import edit
from app.extensions import db
from app.supervision import stats
from app.supervision.scope import Place, Scope
from tests import factories as f
from tests.factories import csrf, login

ACCEPTED = datetime(2026, 11, 2, 1, 0)
DRAFTED = datetime(2026, 11, 10, 2, 0)  # 10:00 on 10 November in Shanghai
TODAY = datetime(2026, 11, 20, 2, 0)


@pytest.fixture
def world(app):
    with app.app_context():
        clock.set_now(TODAY)
        street, (c1, _c2), grids = f.org()
        lead = f.user("mediator", community=c1)
        d = f.dispute(lead, grids[0], now=ACCEPTED)
        edit(d, lead, {"amount": Decimal("8000.00")}, now=ACCEPTED)  # the amount claimed
        f.walk(d, lead, "accept", "assign", "start_mediation", now=ACCEPTED)
        engine.fire(d, "agree", lead, form="written", terms="十日内赔偿五千元", main_facts="楼上漏水",
                    matters="赔偿数额", responsibilities="楼上负责", perform_how="现金", perform_where="调解室",
                    perform_by=date(2026, 12, 31), agreed_amount=Decimal("5000"), now=DRAFTED)
        oral = f.dispute(lead, grids[0], now=ACCEPTED)
        f.walk(oral, lead, "accept", "assign", "start_mediation", now=ACCEPTED)
        engine.fire(oral, "agree", lead, form="oral", terms="当面道歉", now=DRAFTED)
        w = dict(lead=lead.username, lead_name=lead.display_name, case=d.id, oral=oral.id,
                 parties=[(p.id, p.name) for p in d.parties], lead_id=lead.id,
                 sup=f.user("supervisor", street=street).username)
        return type("World", (), w)


def everyone(world):
    return [f"party-{pid}" for pid, _ in world.parties] + [f"user-{world.lead_id}"]


def english(client):
    client.post("/language/en", data={"csrf_token": csrf(client.get("/cases/").get_data(as_text=True)),
                                      "next": "/cases/"})


def sign(client, case_id, signed_on, signers):
    page = client.get(f"/cases/{case_id}?step=sign").get_data(as_text=True)
    version = re.search(r'name="sign-version" type="hidden" value="(\d+)"', page).group(1)
    return client.post(f"/cases/{case_id}/fire/sign", data={
        "sign-csrf_token": csrf(page), "sign-version": version, "sign-signed_on": signed_on,
        "sign-signers": signers})


def test_an_unsigned_written_agreement_is_not_yet_in_effect(app, client, world):
    login(client, world.lead)
    english(client)
    page = client.get(f"/cases/{world.case}").get_data(as_text=True)
    assert "Not yet in effect" in page and "Record the signing" in page
    with app.app_context():
        assert db.session.get(Dispute, world.case).signed_on is None


def test_signing_records_the_date_and_signers_and_starts_the_window(app, client, world):
    login(client, world.lead)
    english(client)
    answer = sign(client, world.case, "2026-11-12", everyone(world))
    assert answer.status_code == 302
    with app.app_context():
        d = db.session.get(Dispute, world.case)
        assert d.signed_on == date(2026, 11, 12)
        assert d.signed_by == "、".join([name for _, name in world.parties] + [world.lead_name])
        assert d.state == "agreed"
        # 30 days from 12 November: 12 December is a Saturday, so Monday 14 December (Civil Code art. 203).
        assert d.due_at == datetime(2026, 12, 14, 16, 0)
        event = db.session.execute(select(AuditEvent).where(AuditEvent.trigger == "sign")).scalar_one()
        assert event.actor_id == world.lead_id
        assert verify() == []
    page = client.get(f"/cases/{world.case}").get_data(as_text=True)
    assert "until Dec 14, 2026" in page and "Nov 12, 2026" in page
    assert world.lead_name in page[page.index('id="agreement-signers"'):][:400]
    printed = client.get(f"/cases/{world.case}/agreement/print").get_data(as_text=True)
    assert '<p id="doc-signed">签订日期：2026年11月12日</p>' in printed
    assert "人民币5000.00元" in printed


def test_performance_started_before_the_signing_still_offers_it(app, client, world):
    """Performance started on an unsigned written agreement (by the mediator, or by
    the window's timeout): the signing can still be recorded, in whichever state
    performance has reached, and the case's due time is left alone."""
    login(client, world.lead)
    english(client)
    with app.app_context():
        lead = db.session.execute(select(f.User).where(f.User.username == world.lead)).scalar_one()
        d = db.session.get(Dispute, world.case)
        engine.fire(d, "start_performance", lead, now=TODAY)
        due = d.due_at
    page = client.get(f"/cases/{world.case}").get_data(as_text=True)
    assert "Not yet in effect" in page and 'data-step="sign"' in page
    answer = sign(client, world.case, "2026-11-12", everyone(world))
    assert answer.status_code == 302
    with app.app_context():
        d = db.session.get(Dispute, world.case)
        assert (d.state, d.signed_on, d.due_at) == ("performing", date(2026, 11, 12), due)
        assert verify() == []
    page = client.get(f"/cases/{world.case}").get_data(as_text=True)
    assert "Not yet in effect" not in page and 'data-step="sign"' not in page  # recorded once
    assert "until Dec 14, 2026" in page  # the window runs from the signing
    with app.app_context():  # in breach and once fulfilled too
        lead = db.session.execute(select(f.User).where(f.User.username == world.lead)).scalar_one()
        for then in ("breach", "fulfil"):
            other = f.dispute(lead, db.session.get(Dispute, world.case).grid, now=ACCEPTED)
            f.walk(other, lead, "accept", "assign", "start_mediation", "agree", "start_performance", then, now=ACCEPTED)
            state = other.state
            engine.fire(other, "sign", lead, signed_on=date(2026, 11, 2),
                        signers=[key for key, _name in signer_choices(other)], now=TODAY)
            assert other.state == state and other.signed_on == date(2026, 11, 2)


@pytest.mark.parametrize("signed_on, message", [
    ("2026-11-09", "drafted on Nov 10, 2026"),
    ("2026-11-21", "cannot be in the future"),
])
def test_a_signing_date_before_the_draft_or_in_the_future_is_refused(app, client, world, signed_on, message):
    login(client, world.lead)
    english(client)
    answer = sign(client, world.case, signed_on, everyone(world))
    assert answer.status_code == 422
    assert message in answer.get_data(as_text=True)
    with app.app_context():
        d = db.session.get(Dispute, world.case)
        assert d.signed_on is None and d.due_at == datetime(2026, 12, 10, 16, 0)
        assert db.session.execute(select(func.count()).select_from(AuditEvent)
                                  .where(AuditEvent.trigger == "sign")).scalar() == 0


def test_signing_without_every_party_and_the_mediator_is_refused(app, client, world):
    login(client, world.lead)
    english(client)
    answer = sign(client, world.case, "2026-11-12", everyone(world)[1:])
    assert answer.status_code == 422
    assert f"{world.parties[0][1]} did not" in answer.get_data(as_text=True)
    answer = sign(client, world.case, "not a date", everyone(world))
    assert answer.status_code == 422
    with app.app_context():
        assert db.session.get(Dispute, world.case).signed_on is None


def test_an_oral_agreement_is_not_signed_and_a_signing_is_recorded_once(app, world):
    with app.app_context():
        lead = db.session.execute(select(f.User).where(f.User.username == world.lead)).scalar_one()
        oral = db.session.get(Dispute, world.oral)
        with pytest.raises(engine.GuardFailed):
            engine.fire(oral, "sign", lead, signed_on=date(2026, 11, 12), signers=["x"])
        d = db.session.get(Dispute, world.case)
        engine.fire(d, "sign", lead, signed_on=date(2026, 11, 12), signers=everyone(world))
        with pytest.raises(engine.GuardFailed):
            engine.fire(d, "sign", lead, signed_on=date(2026, 11, 13), signers=everyone(world))
        assert d.signed_on == date(2026, 11, 12)


def test_the_agreed_amount_is_its_own_field_and_the_statistics_report_both(app, client, world):
    with app.app_context():
        d = db.session.get(Dispute, world.case)
        assert d.amount == Decimal("8000.00") and d.agreed_amount == Decimal("5000.00")
        supervisor = db.session.execute(select(f.User).where(f.User.username == world.sup)).scalar_one()
        for board in (
            stats.dashboard(Scope(supervisor), Place(), date(2026, 11, 1), date(2026, 11, 30), TODAY),
            stats.live_dashboard(Scope(supervisor), Place(), date(2026, 11, 1), date(2026, 11, 30), TODAY),
        ):
            assert (board.amount_total, board.amount_cases) == (Decimal("8000.00"), 1)
            assert (board.agreed_total, board.agreed_cases) == (Decimal("5000.00"), 1)
    login(client, world.sup)
    page = client.get("/supervision/stats?date_from=2026-11-01&date_to=2026-11-30").get_data(as_text=True)
    # Two figures, two names (once both read 协议金额), as the export names its columns.
    assert "<h2 class=\"h6\">达成协议案件涉及金额</h2>" in page and "<h2 class=\"h6\">调解协议约定金额</h2>" in page
    english(client)
    page = client.get("/supervision/stats?date_from=2026-11-01&date_to=2026-11-30").get_data(as_text=True)
    # Amounts to the fen, their digits grouped in threes.
    assert 'data-figure="agreed_total">5,000.00<' in page and 'data-figure="amount_total">8,000.00<' in page
    assert 'data-figure="agreed_mean">5,000.00<' in page
    assert "Amount agreed in the agreements: the amount the agreement itself settled on" in page


def test_a_negative_agreed_amount_is_refused(app, client, world):
    with app.app_context():
        street, (c1, _c2), grids = f.org()
        lead = f.user("mediator", community=c1)
        d = f.dispute(lead, grids[0], now=ACCEPTED)
        f.walk(d, lead, "accept", "assign", "start_mediation", now=ACCEPTED)
        case_id, username = d.id, lead.username
    login(client, username)
    english(client)
    page = client.get(f"/cases/{case_id}?step=agree").get_data(as_text=True)
    version = re.search(r'name="agree-version" type="hidden" value="(\d+)"', page).group(1)
    answer = client.post(f"/cases/{case_id}/fire/agree", data={
        "agree-csrf_token": csrf(page), "agree-version": version, "agree-form": "oral", "agree-terms": "道歉",
        "agree-agreed_amount": "-5"})
    assert answer.status_code == 422 and "Please correct the marked fields." in answer.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Dispute, case_id).state == "mediating"


def test_the_signers_are_check_boxes_and_the_signing_date_starts_at_today(app, client, world):
    """On an old PC a click in a multiple-select list box picked one name: each signer is a check box, and
    the date is the centre's today, as the session's time is now."""
    login(client, world.lead)
    english(client)
    page = client.get(f"/cases/{world.case}?step=sign").get_data(as_text=True)
    assert re.search(r'name="sign-signed_on"[^>]*type="date" value="2026-11-20"', page)
    box = page[page.index('<fieldset class="mb-2" id="sign-signers"'):]
    box = box[:box.index("</fieldset>")]
    assert "<legend" in box and "<select" not in box and "Tick each party and the mediator who signed" in box
    ticks = re.findall(r'type="checkbox" name="sign-signers"\s+id="([^"]+)" value="([^"]+)"', box)
    assert [value for _id, value in ticks] == everyone(world)
    for id_, _value in ticks:
        assert f'<label class="form-check-label" for="{id_}">' in box
    # One box ticked: refused, naming who did not sign; the one ticked stays ticked.
    answer = sign(client, world.case, "2026-11-20", [everyone(world)[0]])
    assert answer.status_code == 422
    text = answer.get_data(as_text=True)
    assert f"{world.parties[1][1]}, {world.lead_name} did not" in text
    assert re.search(rf'name="sign-signers"\s+id="[^"]+" value="{everyone(world)[0]}" checked', text)
    assert not re.search(rf'value="{everyone(world)[1]}" checked', text)
    # All of them ticked (each box posts its value): signed on the day offered.
    assert sign(client, world.case, "2026-11-20", everyone(world)).status_code == 302
    with app.app_context():
        assert db.session.get(Dispute, world.case).signed_on == date(2026, 11, 20)


def test_a_step_that_keeps_the_state_is_headed_by_its_name_alone(client, world):
    """登记签名 on an agreed case leaves it 达成协议: no "→ 达成协议" as if it moved there."""
    login(client, world.lead)
    english(client)
    page = client.get(f"/cases/{world.case}").get_data(as_text=True)
    actions = page[page.index('id="actions"'):]
    heading = actions[actions.index('data-step="sign"'):]
    heading = heading[:heading.index("</button>")]
    assert "→" not in heading, heading
    # A step to another state still names where it leads.
    moving = actions[actions.index('data-step="start_performance"'):]
    assert "→" in moving[:moving.index("</button>")]
