"""Words shared between the domains: each row's first step named for what it
is (a follow-up is planned, not "registered"), and the engine's refusals
worded for any kind of row, not only a case."""
from datetime import date, datetime, timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from app import clock, engine
from app.timeline import TYPE_WORDS, timeline, word
from app.engine.registry import registered_models
from app.i18n import translator
from app.extensions import db
from app.sweeps import service as sweeps
from app.rota import planning
from app.rota.models import Duty
from app.rota.swaps import request_swap
from tests import factories as f
from tests import factories_elders as fe
from tests import factories_followups as ff
from tests import factories_rota as fr
from workflows import WORKFLOWS
from workflows.diagram import mermaid

NOW = datetime(2026, 3, 9, 2, 0)


def test_a_type_of_row_has_its_own_word_and_every_other_word_still_reads():
    assert word("followup", "create", "zh_Hans_CN") == "安排回访"
    assert word("followup", "create", "en") == "Follow-up planned"
    assert word("dispute", "create", "zh_Hans_CN") == "登记"  # a case is still registered
    assert word(None, "create", "en") == "Registered"
    assert word("elder", "roster_edit", "zh_Hans_CN") == "修改五老名册信息"  # trigger-only keys as before
    assert word("dispute", "accept", "zh_Hans_CN") is None  # a transition: the workflow names it


def test_every_type_word_names_a_registered_entity(ctx):
    types = {name for name, _model in registered_models()}
    assert {entity_type for entity_type, _trigger in TYPE_WORDS} <= types
    assert {"followup", "sweep", "elder_assignment", "signoff", "lawyer_duty", "duty_swap"} <= {
        entity_type for entity_type, trigger in TYPE_WORDS if trigger == "create"}


def test_a_case_timeline_names_the_first_step_of_each_related_row(ctx):
    clock.set_now(NOW)
    _street, (c1, _c2), grids = f.org()
    m = f.user("mediator", community=c1)
    d = f.walk(f.dispute(m, grids[0]), m, "accept", "assign", "start_mediation")
    fe.invite(d, fe.elder(c1), m)
    engine.fire(d, "agree", m, **dict(ff.AGREEMENT, perform_by=date(2026, 3, 20)))  # plans the follow-ups
    f.walk(d, m, "start_performance", "fulfil", "close")  # the closure opens its sign-off review
    by_subject = {}
    for entry in reversed(timeline(d, "zh_Hans_CN")):  # oldest first: a row's first step comes first
        by_subject.setdefault(entry.subject, entry.action)
    assert by_subject[None] == "登记"
    assert by_subject["五老和事会指派"] == "列为建议人选"
    assert by_subject["回访"] == "安排回访"
    assert by_subject["结案审核"] == "结案提交督导审核"
    english = {}
    for entry in reversed(timeline(d, "en")):
        english.setdefault(entry.subject, entry.action)
    assert sorted(english.values()) == ["Closure sent for sign-off", "Elder suggested", "Follow-up planned",
                                        "Registered"]


def test_a_sweep_is_planned_and_a_duty_and_a_swap_are_named_for_what_they_are(ctx):
    clock.set_now(NOW)
    street, (c1, _c2), _grids = f.org()
    worker = f.user("gridworker", community=c1)
    sweep = sweeps.new_sweep("community", street.id, c1.id, date(2026, 3, 9), worker, NOW)
    db.session.commit()
    assert [e.action for e in timeline(sweep, "zh_Hans_CN")] == ["列入排查计划"]

    coordinator, _room, people = fr.rota_world(lawyers=2, seats=1)
    planning.generate(fr.FIRST_SATURDAY, fr.FIRST_SATURDAY + timedelta(weeks=1), coordinator)
    planning.publish(fr.FIRST_SATURDAY, fr.FIRST_SATURDAY + timedelta(weeks=1), coordinator)
    duty = db.session.execute(select(Duty).order_by(Duty.day)).scalars().first()
    asker, asker_user = next(p for p in people if p[0].id == duty.lawyer_id)
    request_swap(duty, asker, None, "", asker_user)
    actions = [e.action for e in reversed(timeline(duty, "zh_Hans_CN"))]
    assert actions[0] == "排入值班" and actions[-1] == "提出换班申请"
    assert "登记" not in actions


# ---- the engine's refusals are about any row


def _english(refusal) -> str:
    with force_locale("en"):
        return str(refusal.message)


@pytest.fixture
def duty_world(ctx):
    coordinator, _room, people = fr.rota_world(lawyers=2, seats=1)
    planning.generate(fr.FIRST_SATURDAY, fr.FIRST_SATURDAY, coordinator)
    duty = db.session.execute(select(Duty)).scalar_one()
    return coordinator, duty, people


def test_a_step_not_possible_in_a_rows_state_names_the_state_not_a_case(duty_world):
    coordinator, duty, _people = duty_world
    engine.fire(duty, "cancel", coordinator, "工作室装修")
    with pytest.raises(engine.NotAllowed) as refused:
        engine.fire(duty, "publish", coordinator)
    message = _english(refused.value)
    # The state's label is the one of the language the step was refused in.
    assert message == "This action is not possible in the state “已取消”."
    assert "case" not in message


def test_out_of_area_and_changed_meanwhile_say_nothing_of_a_case(duty_world):
    coordinator, duty, _people = duty_world
    elder = f.user("elder")
    with pytest.raises(engine.Forbidden) as outside:
        engine.fire(duty, "publish", elder)  # no role on the rota (and no sight of its duties)
    assert "case" not in _english(outside.value)
    with pytest.raises(engine.Conflict) as stale:
        engine.fire(duty, "publish", coordinator, expected_version=duty.version - 1)
    message = _english(stale.value)
    assert message.startswith("This was changed by ") and "Reload the page" in message and "case" not in message


def test_a_row_outside_the_users_area_is_refused_in_plain_words(ctx):
    _street, (c1, c2), grids = f.org()
    m = f.user("mediator", community=c1)
    d = f.dispute(m, grids[0])
    stranger = f.user("mediator", community=c2)
    with pytest.raises(engine.Forbidden) as refused:
        engine.fire(d, "accept", stranger)
    assert _english(refused.value) == "This is outside your area."


def test_the_diagram_tells_a_timeout_from_a_step_the_system_may_also_take():
    text = mermaid(WORKFLOWS["elder_assignment"], translator("en"))
    assert "invited --> expired: No answer in time (automatic)" in text
    assert "invited --> withdrawn: Withdraw (also automatic)" in text
    assert "in_session --> withdrawn: Withdraw\n" in text  # a session begun is never withdrawn by the system


def test_the_audit_browser_names_a_rows_first_step_for_its_type():
    from types import SimpleNamespace

    from app.supervision.audit_views import action_label

    followup = SimpleNamespace(entity_type="followup", trigger="create", from_state=None)
    case = SimpleNamespace(entity_type="dispute", trigger="create", from_state=None)
    assert action_label(followup, "zh_Hans_CN") == "安排回访"
    assert action_label(case, "zh_Hans_CN") == "登记"
    assert action_label(case, "en") == "Registered"


def test_the_audit_browser_calls_an_elders_withdrawal_what_it_was_for_every_actor():
    """The system withdraws invitations when the case moves on, and the
    mediator withdraws one it sent: neither is a recusal; the reason says why."""
    from types import SimpleNamespace

    from app.supervision.audit_views import action_label

    for from_state in ("invited", "accepted", "in_session"):
        event = SimpleNamespace(entity_type="elder_assignment", trigger="withdraw", from_state=from_state)
        assert action_label(event, "en") == "Withdraw"
        assert action_label(event, "zh_Hans_CN") == "撤回"


def test_names_the_caller_read_already_are_not_asked_again_and_the_others_are(app, monkeypatch):
    from app import labels

    asked = []
    resolve = labels.REFERENCES["mediator_id"]
    monkeypatch.setitem(labels.REFERENCES, "mediator_id", lambda ids: asked.append(set(ids)) or resolve(ids))
    monkeypatch.setitem(labels.REFERENCES, "user_id", labels.REFERENCES["mediator_id"])
    with app.app_context():
        street, (c1, _), grids = f.org()
        a, b = f.user("mediator", community=c1), f.user("mediator", community=c1)
        payloads = [{"mediator_id": a.id}, {"co_mediator_ids": [a.id, b.id]}]
        names = labels.names_for(payloads, known={"user_id": {a.id: a.display_name}})
        assert asked == [{b.id}]  # only the one not known
        assert names["mediator_id"] == {a.id: a.display_name, b.id: b.display_name}
        asked.clear()
        assert labels.names_for([{"mediator_id": a.id}], known={"user_id": {a.id: a.display_name}}) == {
            "mediator_id": {a.id: a.display_name}}
        assert asked == []  # all known: no query
