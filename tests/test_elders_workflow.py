"""The elder-assignment workflow through its services: the invitation with
its suggestion, conflicts and their override, each refusal (nothing
written), expiry by the timer, the report, and the case's timeline."""
import json
from datetime import timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from app import clock, engine
from app.audit.models import AuditEvent
from app.timeline import timeline
from app.audit.verify import verify
from app.elders import steps
from app.elders.candidates import suggest
from app.elders.models import ElderAssignment, ElderUnavailability
from app.elders.rules import RECORDED_FOR_ELDER_NOTE, TOOK_PART_AT_SESSION
from app.labels import reason_text
from app.elders.panel import elder_panel
from app.engine.timers import tick
from app.extensions import db
from tests import factories as f
from tests import factories_elders as fe


@pytest.fixture
def world(ctx):
    _street, (c1, c2), grids = f.org()
    mediator = f.user("mediator", community=c1)
    d = fe.case_in_mediation(mediator, grids[0])
    return dict(c1=c1, c2=c2, grids=grids, mediator=mediator, dispute=d)


def counts():
    return (db.session.scalar(select(func.count()).select_from(ElderAssignment)),
            db.session.scalar(select(func.count()).select_from(AuditEvent)))


def events(a):
    return db.session.execute(select(AuditEvent).where(AuditEvent.entity_type == "elder_assignment",
                                                       AuditEvent.entity_id == a.id).order_by(AuditEvent.seq)).scalars().all()


def refused(call, match):
    before = counts()
    # The refusal read in English (users get the catalog's Chinese).
    with force_locale("en"), pytest.raises(engine.Refused, match=match) as info:
        call()
    db.session.rollback()
    assert counts() == before, "a refused step wrote something"
    return info.value


def test_an_invitation_keeps_the_suggestion_and_is_audited(world):
    e, _ = fe.elder_with_login(world["c1"], expertise=("neighbour",))
    a = fe.invite(world["dispute"], e, world["mediator"], session_place="社区调解室")
    assert a.state == "invited"
    assert (a.rank, a.score) == (1, 40 + 15 + 25 + 0 + 20)
    assert {x["code"] for x in a.factors} == {"expertise", "category", "same_community", "load", "never_asked"}
    assert a.invited_by_id == world["mediator"].id and a.session_place == "社区调解室"
    create, invite = events(a)
    assert (create.trigger, create.to_state) == ("create", "suggested")
    assert (invite.trigger, invite.from_state, invite.to_state) == ("invite", "suggested", "invited")
    assert json.loads(invite.data)["session_at"].endswith("+08:00")
    # Expires after ELDER_INVITE_HOURS (48), as the session is later than that.
    far = fe.invite(world["dispute"], fe.elder(world["c1"]), world["mediator"],
                    session_at=clock.now() + timedelta(days=5))
    assert far.due_at - far.state_entered_at == timedelta(hours=48)


def test_an_invitation_never_waits_past_its_session(world):
    soon = (clock.now() + timedelta(hours=6)).replace(second=0, microsecond=0)
    a = fe.invite(world["dispute"], fe.elder(world["c1"]), world["mediator"], session_at=soon)
    assert a.due_at == soon


def test_the_invite_period_is_a_setting(world, app):
    app.config["ELDER_INVITE_HOURS"] = 12
    a = fe.invite(world["dispute"], fe.elder(world["c1"]), world["mediator"],
                  session_at=clock.now() + timedelta(days=3))
    assert a.due_at - a.state_entered_at == timedelta(hours=12)


def test_a_flagged_elder_needs_an_override_reason_which_is_audited(world):
    d = world["dispute"]
    party = d.parties[0].name
    e = fe.elder(world["c1"], relations=[{"name": party, "relation": "relative"}])
    refused(lambda: fe.invite(d, e, world["mediator"]), "conflict of interest")
    refused(lambda: fe.invite(d, e, world["mediator"], override_reason="   "), "conflict of interest")
    a = fe.invite(d, e, world["mediator"], override_reason="双方当事人均同意由张老主持调解")
    assert a.conflicts == [{"kind": "relation", "party": party, "relation": "relative", "basis": "name"}]
    assert a.override_reason == "双方当事人均同意由张老主持调解"
    data = json.loads(events(a)[1].data)
    assert data["override_reason"] == "双方当事人均同意由张老主持调解"
    assert party in data["conflicts"] and "申报的利害关系人" in data["conflicts"]


def test_an_elder_without_conflict_records_no_override(world):
    a = fe.invite(world["dispute"], fe.elder(world["c1"]), world["mediator"], override_reason="不需要")
    assert a.override_reason is None and a.conflicts == []
    assert "override_reason" not in json.loads(events(a)[1].data)


def retired(w, e):
    e.active = False


def away(w, e):
    today = clock.now().date()
    e.unavailable.append(ElderUnavailability(start_on=today - timedelta(days=3), end_on=today + timedelta(days=30),
                                             note="外出探亲"))


def full(w, e):
    e.max_concurrent = 1
    fe.invite(fe.case_in_mediation(w["mediator"], w["grids"][1]), e, w["mediator"])


def on_the_case(w, e):
    fe.invite(w["dispute"], e, w["mediator"])


@pytest.mark.parametrize("setup, match", [
    (retired, "retired from the council"),
    (away, "unavailable on .*外出探亲"),
    (full, "already has 1 open invitations or cases, as many as they take"),
    (on_the_case, "already on this case"),
])
def test_an_elder_who_cannot_take_it_is_refused_with_the_reason(world, setup, match):
    e = fe.elder(world["c1"])
    setup(world, e)
    db.session.commit()
    refused(lambda: fe.invite(world["dispute"], e, world["mediator"]), match)


def test_bad_invitations_are_refused(world):
    d, m = world["dispute"], world["mediator"]
    e = fe.elder(world["c1"])
    refused(lambda: fe.invite(d, e, m, session_at=clock.now() - timedelta(hours=1)), "in the future")
    refused(lambda: fe.invite(d, e, m, session_at=clock.now() + timedelta(days=200)), "at most 90 days")
    other = f.user("mediator", community=world["c1"])
    refused(lambda: fe.invite(d, e, other), "working on this case")
    far_street = f.org()[1][0]
    stranger = fe.elder(far_street)
    refused(lambda: fe.invite(d, stranger, m), "does not serve this case's street")
    f.walk(d, m, "start_mediation", "withdraw")
    refused(lambda: fe.invite(d, e, m), r"while the case is open \(Accepted, Assigned, Mediating, Mediating \(extended\), Not performed\)")


def test_the_elder_answers_only_their_own_invitation(world):
    e, elder_user = fe.elder_with_login(world["c1"])
    _other, other_user = fe.elder_with_login(world["c1"])
    a = fe.invite(world["dispute"], e, world["mediator"])
    refused(lambda: steps.act(a, "accept", other_user), "addressed to another elder")
    refused(lambda: engine.fire(a, "accept", other_user), "管辖范围|outside your area")  # the engine alone refuses too
    refused(lambda: steps.act(a, "accept", world["mediator"]), "Your role may not")
    refused(lambda: steps.act(a, "decline", elder_user), "Please give a reason")
    steps.act(a, "decline", elder_user, "那几天要去外地看孙子")
    assert (a.state, a.answer) == ("declined", "declined")
    assert events(a)[-1].reason == "那几天要去外地看孙子"


def test_the_timer_expires_an_unanswered_invitation_and_it_can_no_longer_be_accepted(world):
    e, elder_user = fe.elder_with_login(world["c1"])
    a = fe.invite(world["dispute"], e, world["mediator"], session_at=clock.now() + timedelta(days=4))
    # After the due time but before the timer ran: refused all the same.
    clock.set_now(a.due_at + timedelta(minutes=1))
    refused(lambda: steps.act(a, "accept", elder_user), "expired")
    report = tick()
    assert ("elder_assignment", a.id, "expire") in report.fired
    db.session.refresh(a)
    assert (a.state, a.answer) == ("expired", "expired")
    last = events(a)[-1]
    assert (last.trigger, last.actor_role, last.to_state) == ("expire", "system", "expired")
    refused(lambda: steps.act(a, "accept", elder_user), "expired at")
    assert tick().fired == []  # fired once only
    assert verify() == []


def test_before_its_due_time_the_timer_leaves_an_invitation_alone(world):
    a = fe.invite(world["dispute"], fe.elder(world["c1"]), world["mediator"],
                  session_at=clock.now() + timedelta(days=4))
    clock.set_now(a.due_at - timedelta(minutes=1))
    assert tick().fired == []
    db.session.refresh(a)
    assert a.state == "invited"


def test_a_declined_invitation_offers_the_next_candidate(world, app):
    best, best_user = fe.elder_with_login(world["c1"], expertise=("neighbour",))
    second = fe.elder(world["c1"], expertise=())
    d = world["dispute"]
    day = fe.tomorrow_at()
    assert [s.elder.id for s in suggest(d, (day + timedelta(hours=8)).date()).ranked] == [best.id, second.id]
    a = fe.invite(d, best, world["mediator"])
    steps.act(a, "decline", best_user, "身体不适")
    with app.test_request_context():
        from flask_login import login_user
        login_user(world["mediator"])
        panel = elder_panel(d)
    assert panel.next_candidate.elder.id == second.id
    assert panel.rows[0].reason == "身体不适"


def test_a_flagged_elder_is_listed_last_and_never_offered_as_the_next_candidate(world, app):
    d = world["dispute"]
    best, best_user = fe.elder_with_login(world["c1"], expertise=("neighbour",))
    # Better suited than `plain`, but a declared relative of a party.
    related = fe.elder(world["c1"], expertise=("neighbour",),
                       relations=[{"name": d.parties[1].name, "relation": "relative"}])
    plain, plain_user = fe.elder_with_login(world["c1"], expertise=())
    day = fe.tomorrow_at()
    ranked = suggest(d, (day + timedelta(hours=8)).date()).ranked
    assert [s.elder.id for s in ranked] == [best.id, plain.id, related.id]
    assert ranked[1].ranked.score < ranked[2].ranked.score and ranked[2].conflicts

    def next_offered():
        with app.test_request_context():
            from flask_login import login_user
            login_user(world["mediator"])
            candidate = elder_panel(d).next_candidate
        return candidate.elder.id if candidate else None

    steps.act(fe.invite(d, best, world["mediator"]), "decline", best_user, "身体不适")
    assert next_offered() == plain.id
    steps.act(fe.invite(d, plain, world["mediator"]), "decline", plain_user, "外出")
    assert next_offered() is None  # only the flagged one is left: asked from the suggestions, with a reason


def test_from_acceptance_to_done_and_the_case_timeline_shows_each_step(world):
    d, m = world["dispute"], world["mediator"]
    e, elder_user = fe.elder_with_login(world["c1"])
    a = fe.invite(d, e, m, session_at=fe.soon())
    steps.act(a, "accept", elder_user)
    assert a.due_at == a.session_at  # due at the session
    steps.act(a, "start_session", elder_user)
    refused(lambda: steps.act(a, "file_report", elder_user, work_done="", report_outcome="settled"), "Say what")
    refused(lambda: steps.act(a, "file_report", elder_user, work_done="讲了道理", report_outcome="maybe"),
            "outcome")
    steps.act(a, "file_report", elder_user, work_done="分别与双方谈心，讲清邻里相处之道", advice="建议签订书面协议",
              report_outcome="settled")
    assert (a.report_outcome, a.report_advice) == ("settled", "建议签订书面协议")
    refused(lambda: steps.act(a, "confirm", elder_user), "Your role may not")
    steps.act(a, "confirm", m)
    assert a.state == "done"
    entries = timeline(d, "zh_Hans_CN")
    elder_steps = [x.action for x in entries if x.subject == "五老和事会指派"]
    assert elder_steps == ["确认完成", "提交调解报告", "开始调解", "接受邀请", "发出邀请", "列为建议人选"]
    assert verify() == []


def test_withdrawal_needs_a_reason_and_only_the_cases_own_people(world):
    d, m = world["dispute"], world["mediator"]
    e, elder_user = fe.elder_with_login(world["c1"])
    a = fe.invite(d, e, m)
    refused(lambda: steps.act(a, "withdraw", m), "Please give a reason")
    steps.act(a, "accept", elder_user)
    steps.act(a, "withdraw", elder_user, "发现与当事人是远亲，申请回避")
    assert a.state == "withdrawn"
    assert fe.invite(d, e, m).state == "invited"  # no longer on the case: may be asked again


def test_stale_step_is_a_conflict(world):
    e, elder_user = fe.elder_with_login(world["c1"])
    a = fe.invite(world["dispute"], e, world["mediator"])
    seen = a.version
    steps.act(a, "accept", elder_user)
    refused(lambda: steps.act(a, "withdraw", world["mediator"], "不需要了", expected_version=seen), "changed by")


def test_at_equal_scores_an_elder_without_a_conflict_goes_first(world):
    d = world["dispute"]
    flagged = fe.elder(world["c1"], name="安德顺", relations=[{"name": d.parties[0].name, "relation": "friend"}])
    clean = fe.elder(world["c1"], name="张德厚")
    ranked = suggest(d, (fe.tomorrow_at() + timedelta(hours=8)).date()).ranked
    assert [(s.elder.id, s.position, bool(s.conflicts)) for s in ranked] == [(clean.id, 1, False), (flagged.id, 2, True)]
    assert ranked[0].ranked.score == ranked[1].ranked.score


def test_the_today_page_lists_the_elders_work_and_the_mediators_waiting_invitations(world, app):
    from app.today import PROVIDERS

    e, elder_user = fe.elder_with_login(world["c1"])
    a = fe.invite(world["dispute"], e, world["mediator"], session_at=clock.now() + timedelta(days=3))
    now, until = clock.now(), clock.now() + timedelta(days=7)
    with app.test_request_context():
        [item] = PROVIDERS["elder_invitation"](elder_user, now, until)
        assert (item.kind, item.due_at, item.url) == ("elder_invitation", a.due_at, f"/elders/invitations/{a.id}")
        [waiting] = PROVIDERS["elder_invitation"](world["mediator"], now, until)
        assert e.name in waiting.title and waiting.url.endswith(f"/cases/{world['dispute'].id}#elders")
        assert PROVIDERS["elder_invitation"](f.user("mediator", community=world["c2"]), now, until) == []
        steps.act(a, "accept", elder_user)
        [session] = PROVIDERS["elder_invitation"](elder_user, now, until)
        assert session.due_at == a.session_at
        assert PROVIDERS["elder_invitation"](world["mediator"], now, until) == []  # answered: nothing to wait for


def test_once_the_case_has_ended_an_invitation_can_no_longer_be_accepted(world):
    d, m = world["dispute"], world["mediator"]
    e, elder_user = fe.elder_with_login(world["c1"])
    a = fe.invite(d, e, m)
    f.walk(d, m, "withdraw")
    # The case's withdrawal withdrew the invitation with it (tests/test_integration_elders.py).
    assert a.state == "withdrawn"
    refused(lambda: steps.act(a, "accept", elder_user), "not possible in the state|不能进行此项操作")
    refused(lambda: steps.act(a, "withdraw", m, "当事人已撤回调解申请"), "not possible in the state|不能进行此项操作")


def test_an_elder_declines_an_invitation_rather_than_withdrawing_it(world):
    e, elder_user = fe.elder_with_login(world["c1"])
    a = fe.invite(world["dispute"], e, world["mediator"])
    assert [t.trigger for t in engine.available(a, elder_user)] == ["accept", "decline"]
    refused(lambda: steps.act(a, "withdraw", elder_user, "不想去"), "Decline the invitation instead")


def test_an_elder_who_left_or_became_unavailable_after_the_invitation_cannot_accept(world):
    e, elder_user = fe.elder_with_login(world["c1"])
    a = fe.invite(world["dispute"], e, world["mediator"])
    day = clock.local_date(a.session_at)
    db.session.add(ElderUnavailability(elder_id=e.id, start_on=day, end_on=day, note=None))
    db.session.commit()
    refused(lambda: steps.act(a, "accept", elder_user), "marked .* as unavailable")
    db.session.query(ElderUnavailability).delete()
    e.active = False
    db.session.commit()
    refused(lambda: steps.act(a, "accept", elder_user), "retired from the council")
    e.active = True
    db.session.commit()
    steps.act(a, "accept", elder_user)
    assert a.state == "accepted"


# ---- An elder's answer and part recorded by the mediator (tests/test_elders_on_behalf.py: the web)


def test_only_a_mediator_working_the_case_records_for_the_elder(world):
    d, m = world["dispute"], world["mediator"]
    e, elder_user = fe.elder_with_login(world["c1"])
    a = fe.invite(d, e, m, session_at=fe.soon())
    # An elder answers for themselves, with the elder's own buttons.
    assert [t.trigger for t in engine.available(a, elder_user)] == ["accept", "decline"]
    refused(lambda: steps.act(a, "record_accept", elder_user), "Your role may not")
    bystander = f.user("mediator", community=world["c1"])
    refused(lambda: steps.act(a, "record_accept", bystander), "Only the mediators working on this case")
    # The same for an elder with an account ("recorded by the mediator by phone").
    steps.act(a, "record_accept", m)
    steps.act(a, "start_session", m)
    steps.act(a, "record_participation", m, "讲了邻里相处之道")
    assert a.state == "took_part"
    assert events(a)[-1].reason == RECORDED_FOR_ELDER_NOTE % {"note": "讲了邻里相处之道"}
    assert verify() == []


def test_an_answer_cannot_be_recorded_once_the_invitation_expired(world):
    e = fe.elder(world["c1"])
    a = fe.invite(world["dispute"], e, world["mediator"])
    clock.set_now(a.due_at + timedelta(minutes=1))
    try:
        refused(lambda: steps.act(a, "record_accept", world["mediator"]), "expired")
    finally:
        clock.set_now(None)


def test_at_the_agreement_an_elder_whose_accepted_session_came_is_left_to_the_mediator_and_one_ahead_withdrawn(world):
    """The system cannot know whether the elder came: it neither withdraws that invitation nor records it as
    taken part; the mediator records it after the agreement (took part, or did not come)."""
    d, m = world["dispute"], world["mediator"]
    f.walk(d, m, "start_mediation")
    came = fe.invite(d, fe.elder(world["c1"], max_concurrent=3), m, session_at=clock.now() + timedelta(hours=2))
    ahead = fe.invite(d, fe.elder(world["c1"], max_concurrent=3), m, session_at=clock.now() + timedelta(days=3))
    for a in (came, ahead):
        steps.act(a, "record_accept", m)
    clock.set_now(clock.now() + timedelta(hours=5))  # the first session was held; the parties agreed
    try:
        f.walk(d, m, "agree")
        assert (came.state, ahead.state) == ("accepted", "withdrawn")
        assert events(came)[-1].trigger == "record_accept"  # nothing of the system's
        assert events(ahead)[-1].trigger == "withdraw"
        assert {"record_participation", "record_no_show"} <= {t.trigger for t in engine.available(came, m)}
        steps.act(came, "record_no_show", m, "  ")
        assert came.state == "no_show"
        last = events(came)[-1]
        assert (last.trigger, last.from_state, last.to_state, last.actor_id, last.reason) == (
            "record_no_show", "accepted", "no_show", m.id, None)
        assert verify() == []
    finally:
        clock.set_now(None)


def test_the_systems_took_part_of_earlier_versions_still_replays_and_reads(world):
    """Earlier versions recorded "took part" as the system at the case's step: those events replay, and their
    reason reads in the page's language."""
    d, m = world["dispute"], world["mediator"]
    a = fe.invite(d, fe.elder(world["c1"]), m, session_at=clock.now() + timedelta(hours=2))
    steps.act(a, "record_accept", m)
    clock.set_now(a.session_at)  # taking part is recorded once the session has come
    engine.fire(a, "record_participation", engine.SYSTEM_ACTOR, TOOK_PART_AT_SESSION)
    assert a.state == "took_part" and events(a)[-1].actor_role == "system"
    assert reason_text(events(a)[-1].reason, "en").endswith("recorded as taken part")
    assert verify() == []


def test_deactivating_an_elders_login_keeps_their_invitations_and_tells_the_mediators(world):
    """Deactivation ends the login, not the elder's place on the council: their invitations stay, the case's
    mediators are told to record the elder's answers, and do; retiring the elder from the council (the roster)
    is what stops them taking one."""
    from app.auth import accounts
    from app.notifications.models import Notification
    from app.notifications.service import text_of

    e, user = fe.elder_with_login(world["c1"], max_concurrent=3)
    waiting = fe.invite(world["dispute"], e, world["mediator"])
    other = fe.case_in_mediation(world["mediator"], world["grids"][0])
    taken = steps.act(fe.invite(other, e, world["mediator"]), "accept", user)
    admin = f.user("admin")
    db.session.commit()
    before = len(events(waiting)), len(events(taken))
    with force_locale("en"):
        done = accounts.set_active(user, False, admin)
        said = [str(s) for s in done.said]
    db.session.commit()
    assert said == ["2 open invitations of the council of elders stay: the elder is still on the council, and the "
                    "mediators of their cases are told to record the elder's answers for them."]
    assert (db.session.get(ElderAssignment, waiting.id).state, db.session.get(ElderAssignment, taken.id).state) \
        == ("invited", "accepted")
    assert (len(events(waiting)), len(events(taken))) == before  # nothing of the system's
    told = db.session.execute(select(Notification).where(
        Notification.user_id == world["mediator"].id, Notification.kind == "elder_login_deactivated")).scalars().all()
    assert {n.entity_id for n in told} == {world["dispute"].id, other.id}
    with force_locale("en"):
        assert "still on the council" in text_of(told[0])
    # The elder can no longer answer; the mediator records what they said by phone.
    steps.act(waiting, "record_accept", world["mediator"], "电话告知：愿意参加")
    assert waiting.state == "accepted" and json.loads(events(waiting)[-1].data)["on_behalf_of"] == e.name
    # An elder without a working login is not sent what they could not read.
    third = fe.case_in_mediation(world["mediator"], world["grids"][0])
    fe.invite(third, e, world["mediator"])
    assert db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == user.id, Notification.kind == "elder_invited")) == 2  # the two before
    # Retired from the council: no answer of theirs is taken, by them or for them.
    e.active = False
    db.session.commit()
    fourth = db.session.execute(select(ElderAssignment).where(ElderAssignment.dispute_id == third.id)).scalar_one()
    refused(lambda: steps.act(fourth, "record_accept", world["mediator"]), "retired from the council")
    assert verify() == []


def test_taking_part_is_not_recorded_before_the_session(world):
    """A mis-click a day early would record, for good, a meeting that has not happened (as "did not come")."""
    d, m = world["dispute"], world["mediator"]
    a = fe.invite(d, fe.elder(world["c1"]), m)
    steps.act(a, "record_accept", m)
    assert "record_participation" not in [t.trigger for t in engine.available(a, m)]
    with pytest.raises(engine.GuardFailed):
        steps.act(a, "record_participation", m)
    assert a.state == "accepted"
    clock.set_now(a.session_at)
    assert steps.act(a, "record_participation", m).state == "took_part"
