"""The referral workflow with the controllable clock: the deadlines fixed
when a referral is sent (per department and kind), the 蓝黄红 colours, the
timer's escalation to the street supervisor and the liaison, a return for
more work restarting the answer clock, and the case that cannot close while
a referral is open."""
from datetime import datetime, timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from app import clock, engine
from app.audit.verify import verify
from app.engine.deadlines import colour
from app.engine.timers import tick
from app.extensions import db
from app.notifications.models import Notification
from app.referrals.models import Referral
from tests import factories as f
from tests import factories_referrals as fr

SENT = datetime(2026, 3, 2, 2, 0)  # 10:00 on 2 March, Shanghai


@pytest.fixture
def world(app):
    with app.app_context():
        street, (c1, c2), grids = f.org()
        mediator = f.user("mediator", community=c1)
        supervisor = f.user("supervisor", street=street)
        market = fr.department("市场监管", ack_hours=24, answer_days=10, kinds={"enforce": (4, 3)})
        liaison = fr.liaison(market)
        case = f.dispute(mediator, grids[0], now=SENT)
        yield type("World", (), dict(street=street, grids=grids, mediator=mediator, supervisor=supervisor,
                                      market=market, liaison=liaison, case=case))
        clock.set_now(None)


def notified(user_id, kind):
    return db.session.execute(select(Notification).where(Notification.user_id == user_id,
                                                         Notification.kind == kind)).scalars().all()


def test_sending_fixes_the_departments_periods_and_tells_the_liaison(world):
    r = fr.referral(world.case, world.market, world.mediator, now=SENT)
    assert r.state == "sent"
    assert r.ack_by == SENT + timedelta(hours=24)
    assert r.answer_by == SENT + timedelta(days=10)
    assert r.due_at == r.ack_by
    # The kind's own periods win over the department's defaults.
    urgent = fr.referral(world.case, world.market, world.mediator, kind="enforce", now=SENT)
    assert (urgent.ack_by, urgent.answer_by) == (SENT + timedelta(hours=4), SENT + timedelta(days=3))
    assert len(notified(world.liaison.id, "referral_sent")) == 2


def test_colours_run_blue_yellow_red_on_the_acknowledgement_deadline(world):
    r = fr.referral(world.case, world.market, world.mediator, now=SENT)
    # Yellow once a fifth of the 24 hours is left (4.8 h before the deadline).
    assert colour(r, SENT + timedelta(hours=19)) == "blue"
    assert colour(r, SENT + timedelta(hours=20)) == "yellow"
    assert colour(r, SENT + timedelta(hours=24)) == "red"


def test_an_unacknowledged_referral_is_escalated_once_and_the_liaison_can_still_acknowledge(world):
    r = fr.referral(world.case, world.market, world.mediator, now=SENT)
    assert tick(now=SENT + timedelta(hours=23)).fired == []
    report = tick(now=SENT + timedelta(hours=24, minutes=1))
    assert ("referral", r.id, "escalate_unacknowledged") in report.fired
    r = db.session.get(Referral, r.id)
    assert r.state == "ack_escalated" and colour(r, SENT + timedelta(hours=25)) == "red"
    assert len(notified(world.supervisor.id, "referral_not_acknowledged")) == 1
    assert len(notified(world.liaison.id, "referral_not_acknowledged")) == 1
    assert tick(now=SENT + timedelta(days=2)).fired == []  # once only
    engine.fire(r, "acknowledge", world.liaison, now=SENT + timedelta(hours=26))
    assert r.state == "acknowledged" and r.due_at == r.answer_by
    assert verify() == []


def test_an_overdue_answer_is_escalated_and_a_return_restarts_the_answer_clock(world):
    r = fr.referral(world.case, world.market, world.mediator, now=SENT)
    engine.fire(r, "acknowledge", world.liaison, now=SENT + timedelta(hours=1))
    engine.fire(r, "start_work", world.liaison, now=SENT + timedelta(hours=2))
    assert colour(r, SENT + timedelta(days=7)) == "blue"
    assert colour(r, SENT + timedelta(days=8, hours=1)) == "yellow"
    report = tick(now=SENT + timedelta(days=10, minutes=1))
    assert ("referral", r.id, "escalate_overdue") in report.fired
    r = db.session.get(Referral, r.id)
    assert r.state == "answer_escalated"
    assert len(notified(world.supervisor.id, "referral_overdue")) == 1
    assert len(notified(world.mediator.id, "referral_overdue")) == 1
    answered_at = SENT + timedelta(days=11)
    engine.fire(r, "answer", world.liaison, now=answered_at, answer="已现场核查，责令整改。")
    assert r.state == "answered" and r.due_at is None and r.answered_by_id == world.liaison.id
    returned_at = SENT + timedelta(days=12)
    engine.fire(r, "return_for_redo", world.mediator, "整改结果未附照片", now=returned_at)
    assert r.state == "in_progress" and r.returns == 1
    assert r.answer_by == returned_at + timedelta(days=10) and r.due_at == r.answer_by
    assert colour(r, returned_at + timedelta(days=1)) == "blue"
    engine.fire(r, "answer", world.liaison, now=returned_at + timedelta(days=1), answer="已整改，附照片。")
    engine.fire(r, "accept_answer", world.mediator, now=returned_at + timedelta(days=2))
    assert r.state == "verified"
    assert verify() == []


def test_refusals_write_nothing(world):
    r = fr.referral(world.case, world.market, world.mediator, now=SENT)
    other = fr.liaison(fr.department("环保"))
    version = r.version
    with pytest.raises(engine.Forbidden):  # another department's liaison does not even see it
        engine.fire(r, "acknowledge", other, now=SENT)
    engine.fire(r, "acknowledge", world.liaison, now=SENT)
    engine.fire(r, "answer", world.liaison, now=SENT, answer="已处理")
    version = r.version
    with pytest.raises(engine.MissingData):  # a return needs a reason
        engine.fire(r, "return_for_redo", world.mediator, "  ", now=SENT)
    assert db.session.get(Referral, r.id).version == version
    with pytest.raises(engine.MissingData):
        engine.fire(r, "withdraw", world.mediator, None, now=SENT)
    engine.fire(r, "withdraw", world.mediator, "当事人已自行和解", now=SENT)
    with pytest.raises(engine.NotAllowed):  # no acknowledgement after withdrawal
        engine.fire(r, "acknowledge", world.liaison, now=SENT)
    assert db.session.get(Referral, r.id).state == "withdrawn"


def test_a_department_outside_the_cases_street_is_refused(world):
    elsewhere = f.org()[0]
    foreign = fr.department("行政执法", street=elsewhere)
    with pytest.raises(engine.GuardFailed):
        fr.referral(world.case, foreign, world.mediator, now=SENT)
    assert db.session.execute(select(Referral)).scalars().all() == []
    # The street's own department is fine.
    own = fr.department("行政执法", street=world.street)
    assert fr.referral(world.case, own, world.mediator, now=SENT).state == "sent"


def test_the_case_does_not_close_while_a_referral_is_open(world):
    case = world.case
    f.walk(case, world.mediator, "resolve_on_spot", now=SENT)
    r = fr.referral(case, world.market, world.mediator, now=SENT)
    with pytest.raises(engine.GuardFailed) as refused:
        engine.fire(case, "close", world.mediator, now=SENT, summary="已化解")
    assert "市场监管" in str(refused.value.message)
    assert case.state == "resolved_on_spot"
    # Two departments are listed as the page's language lists them.
    police = fr.department("公安")
    second = fr.referral(case, police, world.mediator, now=SENT)
    with pytest.raises(engine.GuardFailed) as refused:
        engine.fire(case, "close", world.mediator, now=SENT, summary="已化解")
    assert str(refused.value.message).startswith("公安、市场监管仍在办理")
    with force_locale("en"), pytest.raises(engine.GuardFailed) as refused:
        engine.fire(case, "close", world.mediator, now=SENT, summary="已化解")
    with force_locale("en"):
        assert str(refused.value.message).startswith("公安, 市场监管 still work on a referral")
    engine.fire(second, "withdraw", world.mediator, "已当场化解，无需部门处理", now=SENT)
    engine.fire(r, "withdraw", world.mediator, "已当场化解，无需部门处理", now=SENT)
    engine.fire(case, "close", world.mediator, now=SENT, summary="已化解")
    assert case.state == "closed"
    assert verify() == []
