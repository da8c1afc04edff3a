from datetime import timedelta

import pytest

from app.engine.hooks import unknown_guards
from app.i18n import translator
from workflows import DISPUTE, WORKFLOWS, State, Transition, Workflow, WorkflowError
from workflows.diagram import mermaid


def wf(states, transitions, initial="a"):
    return Workflow("test", "Test", initial, tuple(states), tuple(transitions))


A, B = State("a", "A"), State("b", "B", terminal=True)


def go(trigger="go", sources=("a",), dest="b", roles=("mediator",), **kw):
    return Transition(trigger, sources, dest, roles, "Go", **kw)


def test_every_shipped_workflow_is_valid_and_its_guards_exist(app):
    for workflow in WORKFLOWS.values():
        workflow.validate()
    assert unknown_guards(WORKFLOWS.values()) == []


@pytest.mark.parametrize("definition, message", [
    (wf([A, B], [go(dest="zzz")]), "unknown state 'zzz'"),
    (wf([A, B], [go(sources=("nowhere",))]), "unknown state 'nowhere'"),
    (wf([A, B, State("c", "C", terminal=True)], [go()]), "'c' is unreachable"),
    (wf([A, State("b", "B")], [go()]), "'b' is a dead end"),
    (wf([A, B, State("c", "C", terminal=True)], [go(), go(dest="c")]), "'go' is ambiguous from state 'a'"),
    (wf([A, B], [go(roles=("wizard",))]), "unknown role 'wizard'"),
    (wf([A, B], [go()], initial="x"), "initial state 'x'"),
    (wf([State("a", "A", timeout="go"), B], [go()]), "timeout but no deadline"),
    (wf([State("a", "A", deadline=timedelta(days=1), timeout="go"), B], [go()]), "must allow role 'system'"),
    (wf([A, B], [go(), Transition("back", ("b",), "a", ("mediator",), "Back")]), "terminal state 'b'"),
    (wf([State("a", "A", deadline_setting="X"), B], [go()]), "deadline setting but no default"),
    (wf([State("a", "A", deadline=timedelta(days=1), due_from="when"), B], [go()]), "both a fixed deadline"),
])
def test_validate_names_the_problem(definition, message):
    with pytest.raises(WorkflowError, match=message.replace("(", r"\(")):
        definition.validate()


def test_dispute_workflow_follows_the_law():
    assert DISPUTE.state("submitted").deadline == timedelta(days=1)
    assert DISPUTE.state("accepted").deadline == timedelta(days=30)
    agreed = DISPUTE.state("agreed")
    assert agreed.deadline == timedelta(days=30) and agreed.timeout == "confirmation_window_closed"
    # Which parties consented, and how (issue 12): no longer one tick box.
    assert DISPUTE.transition("extend", "mediating").required == ("days", "consenting_parties", "consent_how")
    assert DISPUTE.transition("fail", "mediating").reason_required
    assert DISPUTE.transition("recuse", "mediating").dest == "accepted"
    for state in ("submitted", "accepted", "assigned", "mediating", "extended", "breached"):
        assert DISPUTE.transition("withdraw", state).dest == "withdrawn"
    assert {s.code for s in DISPUTE.states if s.terminal} == {"rejected", "withdrawn", "archived"}


def test_mermaid_text_names_every_state_and_transition():
    text = mermaid(DISPUTE, translator("zh"))
    assert text.startswith("stateDiagram-v2")
    assert 'state "待受理" as submitted' in text
    assert "submitted --> accepted: 受理" in text
    assert "archived --> [*]" in text
    assert "Accept" in mermaid(DISPUTE, translator("en"))


def own_forms():
    """Workflows whose steps are taken on forms of their own, not the case
    page's generic action forms: their fields must be on those forms
    (a step with a form of its own, a supervisor's urging of a follow-up,
    is keyed by (workflow, trigger))."""
    from app.followups.forms import UrgeForm, VisitForm
    from app.referrals.forms import StepForm
    from app.sweeps.forms import SweepForm

    return {"followup": VisitForm, ("followup", "urge"): UrgeForm, "sweep": SweepForm, "referral": StepForm}


def own_form(workflow, t):
    forms = own_forms()
    return forms.get((workflow.name, t.trigger)) or forms.get(workflow.name)


def test_every_required_field_has_a_label_and_a_form_field(app):
    from app.disputes.forms import _field_for
    from app.labels import FIELD_LABELS

    for workflow in WORKFLOWS.values():
        for t in workflow.transitions:
            for name in t.required:
                assert name in FIELD_LABELS, name
                if own_form(workflow, t) is not None:
                    assert hasattr(own_form(workflow, t), name), name
                else:
                    assert _field_for(name) is not None


def test_every_optional_field_has_a_label_and_a_form_field(app):
    from app.disputes.forms import _field_for
    from app.labels import FIELD_LABELS

    for workflow in WORKFLOWS.values():
        for t in workflow.transitions:
            for name in t.optional:
                assert name in FIELD_LABELS, name
                if own_form(workflow, t) is not None:
                    assert hasattr(own_form(workflow, t), name), name
                else:
                    assert _field_for(name, required=False) is not None


def test_whole_day_periods_must_be_whole_days():
    odd = wf([State("a", "A", deadline=timedelta(hours=36), whole_days=True), B], [go()])
    with pytest.raises(WorkflowError, match="counts whole days"):
        odd.validate()


def test_a_timeout_may_run_to_a_due_time_kept_on_the_row():
    definition = wf([State("a", "A", due_from="planned_for", timeout="go"), B], [go(roles=("system",))])
    definition.validate()


@pytest.mark.parametrize("setting, expected", [
    (None, timedelta(days=2)),              # no setting: the definition's default
    (36, timedelta(hours=36)),              # a number of hours
    ("1.5", timedelta(hours=1.5)),          # from an environment variable
    (timedelta(days=5), timedelta(days=5)),
])
def test_an_installation_may_choose_a_states_period(app, setting, expected):
    from app.engine.core import state_deadline

    state = State("a", "A", deadline=timedelta(days=2), deadline_setting="TEST_PERIOD")
    with app.app_context():
        app.config["TEST_PERIOD"] = setting
        assert state_deadline(state) == expected


def test_a_diagram_label_keeps_its_colon_readable_in_either_language():
    english = mermaid(DISPUTE, lambda text: text)
    assert "Repaired – back to intake for acceptance" in english and "：" not in english
    chinese = mermaid(DISPUTE, lambda text: "修正：退回受理" if text.startswith("Repaired: back to intake") else text)
    assert "修正：退回受理" in chinese
