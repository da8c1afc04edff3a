"""Follow-ups with a controllable clock: planned from an agreement, due,
overdue and escalated exactly when their moments pass, visits that move the
case, and what is refused (nothing written)."""
from datetime import date, datetime, timedelta

import pytest
from flask_babel import force_locale

from app import clock, engine
from app.audit.verify import verify
from app.engine.timers import tick
from app.extensions import db
from app.followups.models import FollowUp
from app.labels import reason_text
from app.notifications.models import Notification
from tests import factories as f
from tests import factories_followups as ff

# 10:00 on Monday 2 March 2026 in Shanghai (UTC+8).
AGREED = datetime(2026, 3, 2, 2, 0)
# Local midnights, as stored (UTC): the day begins at 16:00 UTC the day before.
MAR_9, MAR_12, MAR_14 = datetime(2026, 3, 8, 16), datetime(2026, 3, 11, 16), datetime(2026, 3, 13, 16)
MAR_20, MAR_23, MAR_25 = datetime(2026, 3, 19, 16), datetime(2026, 3, 22, 16), datetime(2026, 3, 24, 16)
SECOND = timedelta(seconds=1)


@pytest.fixture
def world(app):
    with app.app_context():
        street, (c1, c2), grids = f.org()
        mediator = f.user("mediator", community=c1)
        other = f.user("mediator", community=c1)
        supervisor = f.user("supervisor", street=street)
        elsewhere = f.user("supervisor", street=f.org()[0])
        case = ff.agreed_case(mediator, grids[0], AGREED, perform_by=date(2026, 3, 20))
        ids = dict(mediator=mediator.id, other=other.id, supervisor=supervisor.id, elsewhere=elsewhere.id,
                   case=case.id, grid=grids[0].id)
        db.session.remove()
    return ids


def fired(now) -> list:
    """What one timer run fired on follow-ups (the same run also plans and misses sweeps)."""
    return [item for item in tick(now=now).fired if item[0] == "followup"]


def _fu(case_id, kind="after_agreement"):
    return next(x for x in ff.followups_of(case_id) if x.kind == kind)


def test_an_agreement_plans_a_follow_up_after_seven_days_and_one_on_its_performance_deadline(app, world):
    with app.app_context():
        rows = ff.followups_of(world["case"])
        assert [(r.kind, r.state) for r in rows] == [("after_agreement", "scheduled"), ("perform_by", "scheduled")]
        first, second = rows
        assert (first.planned_for, first.visit_by, first.escalate_at) == (MAR_9, MAR_12, MAR_14)
        assert (second.planned_for, second.visit_by, second.escalate_at) == (MAR_20, MAR_23, MAR_25)
        assert first.due_at == MAR_9 and first.created_by_id == world["mediator"]
        # Each was created through the engine, in the agreement's transaction.
        for row in rows:
            [created] = ff.events("followup", row.id)
            assert created.trigger == "create" and created.to_state == "scheduled" and created.at == AGREED
        assert verify() == []


def test_an_oral_agreement_without_a_deadline_gets_the_seven_day_follow_up_only(app, world):
    with app.app_context():
        m = db.session.get(f.User, world["mediator"])
        case = ff.agreed_case(m, db.session.get(f.Grid, world["grid"]), AGREED, perform_by=None)
        assert [(r.kind, r.planned_for) for r in ff.followups_of(case.id)] == [("after_agreement", MAR_9)]


def test_offsets_and_the_deadline_follow_up_are_settings(app, world):
    app.config.update(FOLLOWUP_OFFSETS_DAYS=(3, 10), FOLLOWUP_ON_PERFORMANCE_DEADLINE=False)
    with app.app_context():
        m = db.session.get(f.User, world["mediator"])
        case = ff.agreed_case(m, db.session.get(f.Grid, world["grid"]), AGREED)
        assert [r.planned_for for r in ff.followups_of(case.id)] == [MAR_9 - timedelta(days=4),
                                                                     MAR_9 + timedelta(days=3)]


def test_due_overdue_and_escalation_fire_at_their_moments_and_notify(app, world):
    with app.app_context():
        fu_id = _fu(world["case"]).id
        assert fired(MAR_9 - SECOND) == []
        assert fired(MAR_9) == [("followup", fu_id, "become_due")]
        fu = db.session.get(FollowUp, fu_id)
        assert fu.state == "due" and fu.due_at == MAR_12
        assert fired(MAR_12 - SECOND) == []
        assert fired(MAR_12) == [("followup", fu_id, "fall_overdue")]
        fu = db.session.get(FollowUp, fu_id)
        assert fu.state == "overdue" and fu.due_at == MAR_14
        # The lead mediator hears of it at once; the supervisor only at escalation.
        assert [n.kind for n in ff.notifications_for(world["mediator"])] == ["followup_overdue"]
        assert ff.notifications_for(world["supervisor"]) == []
        assert fired(MAR_14 - SECOND) == []
        assert fired(MAR_14) == [("followup", fu_id, "escalate")]
        assert db.session.get(FollowUp, fu_id).state == "escalated"
        [note] = ff.notifications_for(world["supervisor"])
        assert (note.kind, note.entity_type, note.entity_id, note.created_at) == (
            "followup_escalated", "followup", fu_id, MAR_14)
        assert ff.notifications_for(world["elsewhere"]) == []  # another street's supervisor
        triggers = [(e.trigger, e.actor_role) for e in ff.events("followup", fu_id)]
        assert triggers == [("create", "mediator"), ("become_due", "system"), ("fall_overdue", "system"),
                            ("escalate", "system")]
        assert verify() == []


def test_a_runner_that_was_down_catches_up_in_order_without_firing_twice(app, world):
    with app.app_context():
        fu_id = _fu(world["case"]).id
        mine = [t for kind, i, t in fired(MAR_14 + timedelta(hours=1)) if i == fu_id]
        assert mine == ["become_due", "fall_overdue", "escalate"]
        assert tick(now=MAR_14 + timedelta(hours=1)).fired == []


def test_a_visit_recording_not_performed_moves_the_case_to_breached(app, world):
    with app.app_context():
        tick(now=MAR_9)
        clock.set_now(MAR_9 + timedelta(hours=3))
        m = db.session.get(f.User, world["mediator"])
        fu = _fu(world["case"])
        ff.visit(fu, m, "not", notes="被申请人称手头紧，尚未支付")
        case = db.session.get(f.Dispute, world["case"])
        assert case.state == "breached"
        fu = db.session.get(FollowUp, fu.id)
        assert (fu.state, fu.fulfilment, fu.visited_on, fu.done_by_id) == ("done", "not", date(2026, 3, 9), m.id)
        dispute_steps = [(e.trigger, e.to_state) for e in ff.events("dispute", world["case"])][-2:]
        assert dispute_steps == [("start_performance", "performing"), ("breach", "breached")]
        breach = ff.events("dispute", world["case"])[-1]
        assert reason_text(breach.reason, "zh_Hans_CN") == "2026-03-09回访：协议未履行：被申请人称手头紧，尚未支付"
        assert reason_text(breach.reason, "en") == (
            "Follow-up visit of 2026-03-09: the agreement is not performed: 被申请人称手头紧，尚未支付")
        # The other follow-up still checks the deadline.
        assert _fu(world["case"], "perform_by").state == "scheduled"
        assert verify() == []


def test_a_fully_performed_visit_may_mark_the_case_fulfilled_and_cancel_the_others(app, world):
    with app.app_context():
        m = db.session.get(f.User, world["mediator"])
        clock.set_now(MAR_20 + timedelta(hours=2))
        tick()
        first, last = _fu(world["case"]), _fu(world["case"], "perform_by")
        before = len(ff.events("followup"))
        with force_locale("en"), pytest.raises(engine.GuardFailed, match="fully performed"):
            ff.visit(last, m, "partly", mark_fulfilled=True)
        assert len(ff.events("followup")) == before
        # Another follow-up still open does not stand in the way: the case's step cancels it.
        ff.visit(db.session.get(FollowUp, last.id), m, "fully", mark_fulfilled=True)
        case = db.session.get(f.Dispute, world["case"])
        assert case.state == "fulfilled"
        assert [e.trigger for e in ff.events("dispute", case.id)][-2:] == ["start_performance", "fulfil"]
        first = db.session.get(FollowUp, first.id)
        assert first.state == "cancelled"
        cancel = ff.events("followup", first.id)[-1]
        assert (cancel.trigger, cancel.from_state, cancel.actor_id) == ("cancel", "escalated", m.id)
        assert verify() == []


def test_refused_visits_write_nothing(app, world):
    with app.app_context():
        tick(now=MAR_9)
        clock.set_now(MAR_9 + timedelta(hours=1))
        m = db.session.get(f.User, world["mediator"])
        other = db.session.get(f.User, world["other"])
        fu = _fu(world["case"])
        count = len(ff.events("followup"))
        with force_locale("en"), pytest.raises(engine.GuardFailed, match="future"):
            ff.visit(fu, m, "fully", visited_on=date(2026, 3, 10))
        with force_locale("en"), pytest.raises(engine.GuardFailed, match="before the agreement"):
            ff.visit(db.session.get(FollowUp, fu.id), m, "fully", visited_on=date(2026, 3, 1))
        with force_locale("en"), pytest.raises(engine.GuardFailed, match="who was reached"):
            ff.visit(db.session.get(FollowUp, fu.id), m, "partly", reached=" ")
        with force_locale("en"), pytest.raises(engine.GuardFailed, match="work the case"):
            ff.visit(db.session.get(FollowUp, fu.id), other, "fully")
        assert len(ff.events("followup")) == count
        fu = db.session.get(FollowUp, fu.id)
        assert (fu.state, fu.fulfilment, fu.visited_on) == ("due", None, None)
        ff.visit(fu, m, "unreachable", reached="")
        # A second "done" on the same follow-up: refused.
        with pytest.raises(engine.NotAllowed):
            ff.visit(db.session.get(FollowUp, fu.id), m, "fully")
        assert db.session.get(FollowUp, fu.id).fulfilment == "unreachable"


def test_withdrawing_the_case_cancels_its_follow_ups_and_a_visit_is_then_refused(app, world):
    with app.app_context():
        m = db.session.get(f.User, world["mediator"])
        case = db.session.get(f.Dispute, world["case"])
        engine.fire(case, "withdraw", m, reason="当事人撤回", now=AGREED + timedelta(days=1))
        rows = ff.followups_of(world["case"])
        assert {r.state for r in rows} == {"cancelled"}
        with pytest.raises(engine.NotAllowed):
            ff.visit(rows[0], m, "fully")
        assert db.session.get(FollowUp, rows[0].id).fulfilment is None


def test_withdrawal_fulfilment_and_mediating_again_cancel_open_follow_ups(app, world):
    with app.app_context():
        m = db.session.get(f.User, world["mediator"])
        grid = db.session.get(f.Grid, world["grid"])
        case = db.session.get(f.Dispute, world["case"])
        engine.fire(case, "start_performance", m, now=AGREED)
        engine.fire(case, "fulfil", m, now=AGREED + timedelta(days=1))
        assert {r.state for r in ff.followups_of(case.id)} == {"cancelled"}
        cancel = ff.events("followup", ff.followups_of(case.id)[0].id)[-1]
        assert (cancel.trigger, cancel.actor_id) == ("cancel", m.id)
        assert [reason_text(cancel.reason, lang) for lang in ("zh_Hans_CN", "en")] == [
            "案件已确认履行", "The case's agreement was confirmed performed"]
        again = ff.agreed_case(m, grid, AGREED)
        f.walk(again, m, "start_performance", "breach", now=AGREED)
        f.walk(again, m, "resume_mediation", now=AGREED)
        assert {r.state for r in ff.followups_of(again.id)} == {"cancelled"}
        assert verify() == []


def test_pressing_for_performance_plans_another_follow_up(app, world):
    with app.app_context():
        m = db.session.get(f.User, world["mediator"])
        case = db.session.get(f.Dispute, world["case"])
        f.walk(case, m, "start_performance", "breach", now=AGREED + timedelta(days=8))
        f.walk(case, m, "urge", now=AGREED + timedelta(days=8))
        urged = _fu(case.id, "after_urging")
        assert urged.planned_for == datetime(2026, 3, 16, 16)  # 10 March + 7 days, local midnight


def test_pressing_for_performance_on_a_day_with_a_visit_plans_the_next_free_day(app, world):
    """One visit a day per case: the urging's follow-up falls on a day that
    has an open visit already, so it takes the next free day (the case's
    /today listed two identical lines)."""
    from app.followups import scheduling

    with app.app_context():
        m = db.session.get(f.User, world["mediator"])
        case = db.session.get(f.Dispute, world["case"])
        urged_at = AGREED + timedelta(days=8)
        f.walk(case, m, "start_performance", "breach", now=urged_at)
        taken = date(2026, 3, 17)  # the urging's own day (10 March + 7 days)
        scheduling.plan(case, "extra", taken, m, urged_at)
        scheduling.plan(case, "extra", taken + timedelta(days=1), m, urged_at)
        db.session.commit()
        f.walk(case, m, "urge", now=urged_at)
        assert clock.local_date(_fu(case.id, "after_urging").planned_for) == taken + timedelta(days=2)
        open_days = [clock.local_date(r.planned_for) for r in scheduling.open_followups(case.id)]
        assert len(open_days) == len(set(open_days))


def test_assignment_notifies_the_assigned_mediators_in_the_same_transaction(app):
    with app.app_context():
        street, (c1, _), grids = f.org()
        head = f.user("mediator", community=c1)
        lead = f.user("mediator", community=c1)
        co = f.user("mediator", community=c1)
        case = f.walk(f.dispute(head, grids[0]), head, "accept")
        # A refused assignment (a mediator outside the community) writes no notification.
        outsider = f.user("mediator", community=f.org()[1][0])
        with pytest.raises(engine.GuardFailed):
            engine.fire(case, "assign", head, mediator_id=outsider.id)
        assert ff.count(Notification) == 0
        engine.fire(case, "assign", head, mediator_id=lead.id, co_mediator_ids=[co.id, head.id])
        assert [(n.kind, n.entity_id) for n in ff.notifications_for(lead.id)] == [("assigned", case.id)]
        assert [n.kind for n in ff.notifications_for(co.id)] == ["co_mediator"]
        assert ff.notifications_for(head.id) == []  # who assigns is not told of it
