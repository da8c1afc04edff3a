"""Guards and effects of the follow-up and sweep workflows, and this
package's effects on the dispute's own steps (imported with the models, so
they are registered whenever the app is)."""
from __future__ import annotations

import re
from datetime import date, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from .. import clock, engine
from ..auth.models import User
from ..dates import day_text
from ..disputes.scope_rule import supervises
from ..engine.hooks import Hooks
from ..i18n import N_
from ..labels import install_reason, system_reason
from ..extensions import db
from . import scheduling
from ..notifications.service import notify
from ..sweeps.scope import record_refusal
from .models import FollowUp

# Handed to the engine by the package's init_app, not on import.
hooks = Hooks()

# The dispute's steps after which its open follow-ups have nothing left to
# check, and the reason the system cancels them with (the text it replaced,
# stored before, read as it too).
ENDS_PERFORMANCE = {
    "fulfil": install_reason(N_("The case's agreement was confirmed performed"), "案件已确认履行"),
    "withdraw": install_reason(N_("The parties withdrew the case"), "当事人已撤回"),
    "fail": install_reason(N_("Mediation was ended"), "调解终止"),
    "resume_mediation": install_reason(N_("Mediation resumed: a new agreement is awaited"), "重新调解，待新协议"),
    "mediate_after_rejection": install_reason(
        N_("Mediation resumed after the court rejected judicial confirmation: a new agreement is awaited")),
}
VISIT_FULFILLED = install_reason(N_("The follow-up visit confirmed the agreement fully performed"),
                                 "回访确认已全部履行")
# A visit that found the agreement not performed: the case's breach, with its day and the visit's notes.
_OLD_DAY = r"(?P<day>\d{4}-\d{2}-\d{2})?"
NOT_PERFORMED = install_reason(N_("Follow-up visit of %(day)s: the agreement is not performed"),
                               re.compile(_OLD_DAY + "回访：协议未履行"))
NOT_PERFORMED_NOTES = install_reason(N_("Follow-up visit of %(day)s: the agreement is not performed: %(notes)s"),
                                     re.compile(_OLD_DAY + "回访：协议未履行：(?P<notes>.+)", re.S))


def as_date(value):
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None


# Follow-ups -------------------------------------------------------------

@hooks.guard("followup_by_case_mediator")
def followup_by_case_mediator(followup, actor, data):
    if actor.role == "mediator" and followup.dispute.works_on(actor):
        return None
    return _l("Only the mediators who work the case may record its follow-ups.")


@hooks.guard("followup_by_case_supervisor")
def followup_by_case_supervisor(followup, actor, data):
    if supervises(actor, followup.dispute):
        return None
    return _l("Only the supervisors of the case's street, or of the city, may urge this follow-up.")


@hooks.guard("followup_case_has_agreement")
def followup_case_has_agreement(followup, actor, data):
    if followup.dispute.state in scheduling.AGREEMENT_STATES:
        return None
    return NO_AGREEMENT


NO_AGREEMENT = _l("This case has no agreement being performed, so there is nothing to follow up.")


@hooks.guard("visit_date_valid")
def visit_date_valid(followup, actor, data):
    if data is None:
        return None
    visited_on = as_date(data.get("visited_on"))
    if visited_on is None:
        return _l("Give the date of the visit.")
    if visited_on > clock.today():
        return _l("The visit cannot be dated in the future.")
    agreed_at = followup.dispute.agreed_at
    if agreed_at is not None and visited_on < clock.local_date(agreed_at):
        return _l("The visit cannot be dated before the agreement it follows up.")
    return None


# Said by the guard and, next to the field, by the visit form (forms.py).
REACHED_MISSING = _l("Say who was reached (or choose “could not be reached”).")


@hooks.guard("visit_outcome_consistent")
def visit_outcome_consistent(followup, actor, data):
    if data is None:
        return None
    if data.get("fulfilment") != "unreachable" and not (data.get("reached") or "").strip():
        return REACHED_MISSING
    if data.get("mark_fulfilled"):
        return fulfilment_refusal(followup, data.get("fulfilment"))
    return None


# The case states in which a visit may also confirm its agreement performed
# (the case's `fulfil`; from "agreed" its performance is started first).
CONFIRMABLE = ("agreed", "performing")


def fulfilment_refusal(followup, fulfilment):
    """Why this visit may not also confirm the case's agreement performed, or
    None: only a "fully performed" result, while the agreement is recorded or
    being performed. The case's other open follow-ups do not stand in the
    way: its `fulfil` cancels them (ENDS_PERFORMANCE)."""
    if fulfilment != "fully":
        return _l("Only a “fully performed” result can mark the case fulfilled.")
    if followup.dispute.state not in CONFIRMABLE:
        return _l("The case is recorded as not performed: press for performance on the case page first.")
    return None


def confirm_refusal(followup, actor):
    """Why the case's own step confirming performance would refuse this
    actor now (its role or guards), or None: the form then does not offer it."""
    dispute = followup.dispute
    if dispute.state not in CONFIRMABLE:
        return _l("The case is recorded as not performed: press for performance on the case page first.")
    return engine.why_not(dispute, "fulfil" if dispute.state == "performing" else "start_performance", actor)


@hooks.effect("followup", "record_visit")
def record_visit(followup, actor, data, now):
    followup.method = data["method"]
    followup.reached = (data.get("reached") or "").strip() or None
    followup.fulfilment = data["fulfilment"]
    followup.satisfaction = data.get("satisfaction") or None
    followup.notes = (data.get("notes") or "").strip() or None
    followup.visited_on = as_date(data["visited_on"])
    followup.done_by_id = actor.id
    followup.done_at = now
    dispute = followup.dispute
    # What the visit found is the case's next step, in the same transaction.
    if data["fulfilment"] == "not" and dispute.state in ("agreed", "performing"):
        if dispute.state == "agreed":
            engine.fire(dispute, "start_performance", actor, now=now, commit=False)
        engine.fire(dispute, "breach", actor, reason=_breach_reason(followup), now=now, commit=False)
    elif data.get("mark_fulfilled"):
        if dispute.state == "agreed":
            engine.fire(dispute, "start_performance", actor, now=now, commit=False)
        engine.fire(dispute, "fulfil", actor, reason=system_reason(VISIT_FULFILLED), now=now, commit=False)


def _breach_reason(followup) -> str:
    day = followup.visited_on.isoformat() if followup.visited_on else ""
    if followup.notes:
        return system_reason(NOT_PERFORMED_NOTES, day=day, notes=followup.notes)
    return system_reason(NOT_PERFORMED, day=day)


def _case_mediators(dispute) -> list[int]:
    ids = [dispute.assignee_id] if dispute.assignee_id else []
    return ids + [m.id for m in dispute.co_mediators if m.id not in ids]


def _followup_data(followup) -> dict:
    return {"case": followup.dispute.title, "day": clock.local_date(followup.planned_for).isoformat()}


@hooks.effect("followup", "fall_overdue")
def tell_mediators_overdue(followup, actor, data, now):
    for user_id in _case_mediators(followup.dispute):
        notify(user_id, "followup_overdue", entity_type="followup", entity_id=followup.id,
               data=_followup_data(followup), now=now)


@hooks.effect("followup", "escalate")
def tell_supervisors(followup, actor, data, now):
    supervisors = db.session.execute(
        select(User.id).where(User.role == "supervisor", User.active.is_(True),
                              User.street_id == followup.dispute.street_id)
    ).scalars().all()
    for user_id in sorted(set(supervisors) | set(_case_mediators(followup.dispute))):
        notify(user_id, "followup_escalated", entity_type="followup", entity_id=followup.id,
               data=_followup_data(followup), now=now)


@hooks.effect("followup", "urge")
def tell_mediators_urged(followup, actor, data, now):
    """The case's mediators are told who urged; the note is on the follow-up's page."""
    told = {"supervisor": actor.display_name, **_followup_data(followup)}
    for user_id in _case_mediators(followup.dispute):
        notify(user_id, "followup_urged", entity_type="followup", entity_id=followup.id, data=told, now=now)


# The dispute's steps ------------------------------------------------------

@hooks.effect("dispute", "agree")
def schedule_followups(dispute, actor, data, now):
    scheduling.schedule_for_agreement(dispute, actor, as_date(data.get("perform_by")), now)


@hooks.effect("dispute", "urge")
def follow_up_the_urging(dispute, actor, data, now):
    days = int(current_app.config["FOLLOWUP_AFTER_URGING_DAYS"])
    day = clock.local_date(now) + timedelta(days=days)
    # One visit a day per case (scheduling.open_days): a day that has one already takes the next free day.
    taken = scheduling.open_days(dispute.id)
    while day in taken:
        day += timedelta(days=1)
    scheduling.plan(dispute, "after_urging", day, actor, now)


def _cancel_open(trigger):
    def cancel(dispute, actor, data, now):
        for followup in scheduling.open_followups(dispute.id):
            engine.fire(followup, "cancel", actor, reason=system_reason(ENDS_PERFORMANCE[trigger]), now=now, commit=False)

    return cancel


for _trigger in ENDS_PERFORMANCE:
    hooks.effect("dispute", _trigger)(_cancel_open(_trigger))


@hooks.effect("dispute", "assign")
def tell_assigned_mediators(dispute, actor, data, now):
    lead = int(data["mediator_id"])
    if lead != actor.id:
        notify(lead, "assigned", entity_type="dispute", entity_id=dispute.id, data={"case": dispute.title}, now=now)
    for user_id in {int(i) for i in data.get("co_mediator_ids") or ()} - {lead, actor.id}:
        notify(user_id, "co_mediator", entity_type="dispute", entity_id=dispute.id,
               data={"case": dispute.title}, now=now)


# Sweeps -------------------------------------------------------------------

@hooks.guard("sweep_recorder_in_place")
def sweep_recorder_in_place(sweep, actor, data):
    return record_refusal(actor, sweep.level, sweep.street_id, sweep.community_id)


@hooks.guard("sweep_date_in_period")
def sweep_date_in_period(sweep, actor, data):
    if data is None:
        return None
    held_on = as_date(data.get("held_on"))
    if held_on is None:
        return _l("Give the date of the sweep.")
    if held_on > clock.today():
        return _l("The sweep cannot be dated in the future.")
    if not sweep.period_start <= held_on <= sweep.period_end:
        return _l("This sweep is for %(first)s to %(last)s: give a date in that period.",
                  first=day_text(sweep.period_start), last=day_text(sweep.period_end))
    return None


@hooks.effect("sweep", "record")
def record_sweep(sweep, actor, data, now):
    checked = data["checked"]
    sweep.held_on = as_date(data["held_on"])
    sweep.checked = ",".join(checked) if isinstance(checked, (list, tuple)) else str(checked)
    sweep.findings = data["findings"].strip()
    sweep.participants = (data.get("participants") or "").strip() or None
    sweep.recorded_by_id = actor.id
    sweep.recorded_at = now


def followups_of_case(dispute):
    """A case's timeline shows its follow-ups' steps too (the ids as a query:
    the timeline reads every domain's in one statement)."""
    return "followup", select(FollowUp.id).where(FollowUp.dispute_id == dispute.id)
