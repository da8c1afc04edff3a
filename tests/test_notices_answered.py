"""A notice that asks its reader for a step is read once they take it, from
whichever page, in the step's own transaction (the engine's step hook,
app/notifications/service.py): a lawyer's request for an opinion once they
accept, decline or answer it; a liaison's referral once they acknowledge or
answer it, the escalation and the urging with it. Others' notices about the
same row stay new; a step the system takes answers nobody's."""
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from app import clock, engine
from app.engine.timers import tick
from app.extensions import db
from app.notifications.models import Notification
from app.notifications.service import notify, text_of
from app.opinions.models import LegalOpinion
from app.opinions.steps import act, ask
from app.referrals.models import Referral
from tests import factories as f
from tests import factories_opinions as fo
from tests import factories_referrals as fr

SENT = datetime(2026, 3, 2, 2, 0)  # 10:00 on 2 March, Shanghai
LATE = SENT + timedelta(hours=25)  # not acknowledged in time: escalated


def unread(user_id, entity_type, entity_id):
    return sorted(db.session.execute(select(Notification.kind).where(
        Notification.user_id == user_id, Notification.entity_type == entity_type,
        Notification.entity_id == entity_id, Notification.read_at.is_(None))).scalars())


# Legal opinions -----------------------------------------------------------------

@pytest.fixture
def opinion(app):
    with app.app_context():
        _coordinator, people, mediator, _other, d = fo.world(lawyers=2)
        (lawyer, lawyer_user), _ = people
        row = ask(d, lawyer, mediator, question="赔偿范围如何认定？")
        yield row, lawyer_user, mediator


def test_accepting_a_request_reads_its_notice(opinion):
    row, lawyer_user, _mediator = opinion
    assert unread(lawyer_user.id, "legal_opinion", row.id) == ["opinion_requested"]
    act(row, "accept", lawyer_user)
    assert unread(lawyer_user.id, "legal_opinion", row.id) == []
    note = db.session.execute(select(Notification).where(Notification.kind == "opinion_requested")).scalar_one()
    assert note.read_at == db.session.get(LegalOpinion, row.id).changed_at  # in the step, at its time


def test_declining_a_request_reads_its_notice_and_leaves_the_mediators_news_new(opinion):
    row, lawyer_user, mediator = opinion
    act(row, "decline", lawyer_user, "本周出差")
    assert unread(lawyer_user.id, "legal_opinion", row.id) == []
    # The mediator's notice of the decline is new: the lawyer's step answers only the lawyer's.
    assert unread(mediator.id, "dispute", row.dispute_id) == ["opinion_declined"]


def test_giving_the_opinion_reads_what_still_waited_about_it(opinion):
    row, lawyer_user, mediator = opinion
    act(row, "accept", lawyer_user)
    notify(lawyer_user, "opinion_requested", entity_type="legal_opinion", entity_id=row.id)  # told again
    db.session.commit()
    act(row, "answer", lawyer_user, opinion="按实际损失赔偿。")
    assert unread(lawyer_user.id, "legal_opinion", row.id) == []
    assert unread(mediator.id, "dispute", row.dispute_id) == ["opinion_answered"]


def test_a_request_expiring_by_the_timer_leaves_the_lawyers_notice_as_it_was(app, opinion):
    row, lawyer_user, _mediator = opinion
    engine.fire(row, "expire", engine.SYSTEM_ACTOR)
    assert unread(lawyer_user.id, "legal_opinion", row.id) == ["opinion_requested"]


# Referrals ----------------------------------------------------------------------

@pytest.fixture
def referral(app):
    with app.app_context():
        street, (c1, _c2), grids = f.org()
        mediator = f.user("mediator", community=c1)
        env = fr.department("环保", ack_hours=24, answer_days=10)
        liaison, colleague = fr.liaison(env), fr.liaison(env)
        case = f.dispute(mediator, grids[0], now=SENT)
        row = fr.referral(case, env, mediator, now=SENT)
        supervisor = f.user("supervisor", street=street)
        clock.set_now(SENT)
        yield row, liaison, colleague, mediator, supervisor
        clock.set_now(None)


def test_acknowledging_and_answering_read_the_liaisons_notices_only(referral):
    row, liaison, colleague, mediator, _sup = referral
    assert unread(liaison.id, "referral", row.id) == ["referral_sent"]
    engine.fire(row, "acknowledge", liaison, now=SENT + timedelta(hours=1))
    assert unread(liaison.id, "referral", row.id) == []
    assert unread(colleague.id, "referral", row.id) == ["referral_sent"]  # not theirs to have done
    engine.fire(row, "answer", liaison, answer="已现场核查并责令整改。", now=SENT + timedelta(hours=2))
    assert unread(mediator.id, "referral", row.id) == ["referral_answered"]
    engine.fire(row, "return_for_redo", mediator, "请补充整改期限", now=SENT + timedelta(hours=3))
    assert unread(mediator.id, "referral", row.id) == []  # the mediator checked the answer
    assert unread(liaison.id, "referral", row.id) == ["referral_returned"]
    engine.fire(row, "answer", liaison, answer="整改期限为七日。", now=SENT + timedelta(hours=4))
    assert unread(liaison.id, "referral", row.id) == []


def test_an_urged_referral_answered_reads_the_escalation_and_the_urging(app, referral):
    row, liaison, colleague, mediator, sup = referral
    tick(now=LATE)
    row = db.session.get(Referral, row.id)
    assert row.state == "ack_escalated"
    assert unread(sup.id, "referral", row.id) == ["referral_not_acknowledged"]
    engine.fire(row, "urge", sup, urging="今日内签收。", now=LATE + timedelta(hours=1))
    assert unread(sup.id, "referral", row.id) == []  # the supervisor's urging answers the escalation
    assert unread(liaison.id, "referral", row.id) == ["referral_not_acknowledged", "referral_sent",
                                                      "referral_urged"]
    engine.fire(row, "acknowledge", liaison, now=LATE + timedelta(hours=2))
    engine.fire(row, "answer", liaison, answer="已处理。", now=LATE + timedelta(hours=3))
    assert unread(liaison.id, "referral", row.id) == []
    assert unread(colleague.id, "referral", row.id) == ["referral_not_acknowledged", "referral_sent",
                                                        "referral_urged"]
    assert "referral_urged" in unread(mediator.id, "referral", row.id)


def test_a_step_refused_reads_nothing(referral):
    row, liaison, colleague, _mediator, _sup = referral
    with pytest.raises(engine.Refused):
        engine.fire(row, "acknowledge", colleague, expected_version=row.version + 5)
    assert unread(colleague.id, "referral", row.id) == ["referral_sent"]


def test_referral_notices_name_the_referral_as_the_lists_do_and_older_rows_still_read(app, referral):
    row, liaison, *_ = referral
    with app.test_request_context("/"):
        note = db.session.execute(select(Notification).where(Notification.user_id == liaison.id)).scalar_one()
        text = text_of(note)
        assert row.dispute.community.name in text and "2026" in text and f"#{row.dispute_id}" not in text
        older = notify(liaison, "referral_sent", entity_type="referral", entity_id=row.id,
                       data={"case": "#7", "department": "环保"})
        assert "#7" in text_of(older) and "%(" not in text_of(older)
        db.session.rollback()
