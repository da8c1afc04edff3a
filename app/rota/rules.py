"""Guards and effects of the duty and swap workflows
(workflows/lawyer_duty.py, workflows/duty_swap.py)."""
from __future__ import annotations

from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from workflows import SYSTEM

from .. import clock
from ..dates import day_text
from ..audit.chain import record
from ..engine.hooks import Hooks
from ..extensions import db
from .models import LIVE_STATES, Duty, DutyRelease, Lawyer, SwapRequest
from .roster import lawyer_of

# Handed to the engine by the package's init_app, not on import.
hooks = Hooks()


def sitting_on(lawyer_id: int, day, exclude_duty_id: int | None = None) -> Duty | None:
    """The live duty this lawyer already has on that day, if any."""
    query = select(Duty).where(Duty.lawyer_id == lawyer_id, Duty.day == day, Duty.state.in_(LIVE_STATES))
    if exclude_duty_id is not None:
        query = query.where(Duty.id != exclude_duty_id)
    return db.session.execute(query.limit(1)).scalar_one_or_none()


def cannot_sit(lawyer: Lawyer | None, duty: Duty):
    """Why this lawyer cannot take this duty (a message), or None."""
    if lawyer is None:
        return _l("Your account is not linked to a lawyer of the roster. Ask the coordinator.")
    if not lawyer.active:
        return _l("%(name)s is not active on the roster.", name=lawyer.name)
    if duty.day in lawyer.unavailable_days:
        return _l("%(name)s has marked %(day)s as unavailable.", name=lawyer.name, day=day_text(duty.day))
    if lawyer.id == duty.lawyer_id or sitting_on(lawyer.id, duty.day, exclude_duty_id=duty.id):
        return _l("%(name)s already sits on %(day)s.", name=lawyer.name, day=day_text(duty.day))
    return None


def reassign(duty: Duty, lawyer: Lawyer, actor, now, trigger: str, data: dict) -> None:
    """Give the seat to another lawyer: the one leaving keeps a release (their
    calendar shows the duty cancelled), calendars get a new SEQUENCE, and the
    duty's own history records the change, in the caller's transaction."""
    before = duty.lawyer_id
    db.session.add(DutyRelease(duty_id=duty.id, lawyer_id=before, released_at=now))
    duty.lawyer_id = lawyer.id
    duty.sequence = (duty.sequence or 0) + 1
    duty.changed_at = now
    duty.changed_by_id = actor.id
    record("lawyer_duty", duty.id, trigger, actor, at=now,
           data=dict(data, changes={"lawyer_id": [before, lawyer.id]}))


# ---- the duty


@hooks.guard("own_duty_today")
def own_duty_today(duty, actor, data):
    me = lawyer_of(actor)
    if me is None or me.id != duty.lawyer_id:
        return _l("Only the lawyer on this duty may check in for it.")
    if clock.today() != duty.day:
        return _l("Check-in is only possible on the day of the duty (%(day)s).", day=day_text(duty.day))
    return None


@hooks.guard("own_duty_or_coordinator")
def own_duty_or_coordinator(duty, actor, data):
    if actor.role != "lawyer":
        return None
    me = lawyer_of(actor)
    if me is None or me.id != duty.lawyer_id:
        return _l("Only the lawyer on this duty may finish it.")
    return None


def correction_deadline(duty):
    """The last local day on which the duty's no-show may be corrected."""
    return duty.day + timedelta(days=current_app.config.get("DUTY_NO_SHOW_CORRECTION_DAYS", 30))


def first_correctable_day():
    """The earliest duty day whose no-show may still be corrected today."""
    return clock.today() - timedelta(days=current_app.config.get("DUTY_NO_SHOW_CORRECTION_DAYS", 30))


@hooks.guard("no_show_correctable")
def no_show_correctable(duty, actor, data):
    # The street's scope is the engine's (Duty.visible_to): another street's coordinator never gets this far.
    if clock.today() > correction_deadline(duty):
        return _l("The time to correct this no-show ended on %(day)s: it stands.",
                  day=day_text(correction_deadline(duty)))
    return None


@hooks.effect("lawyer_duty", "publish")
def stamp_publication(duty, actor, data, now):
    duty.published_at = now


@hooks.effect("lawyer_duty", "cancel")
@hooks.effect("lawyer_duty", "lapse")
def free_the_seat(duty, actor, data, now):
    duty.live_seat = None
    duty.sequence = (duty.sequence or 0) + 1


# ---- the swap request


@hooks.guard("may_take_swap")
def may_take_swap(swap, actor, data):
    me = lawyer_of(actor)
    if me is not None and me.id == swap.requester_id:
        return _l("You cannot take your own duty.")
    if swap.target_id is not None and (me is None or me.id != swap.target_id):
        return _l("This request was sent to another colleague.")
    return cannot_sit(me, swap.duty)


@hooks.guard("is_named_colleague")
def is_named_colleague(swap, actor, data):
    if actor.role == SYSTEM:  # declining for a colleague whose login was deactivated (swaps.py)
        return None
    me = lawyer_of(actor)
    if swap.target_id is None or me is None or me.id != swap.target_id:
        return _l("Only the colleague asked by name may decline.")
    return None


@hooks.guard("is_swap_requester")
def is_swap_requester(swap, actor, data):
    me = lawyer_of(actor)
    if me is None or me.id != swap.requester_id:
        return _l("Only the lawyer who asked may withdraw the request.")
    return None


@hooks.guard("swap_still_possible")
def swap_still_possible(swap, actor, data):
    duty = swap.duty
    if duty.state != "published" or duty.lawyer_id != swap.requester_id:
        return _l("The duty has changed since the request (it is no longer the requester's published duty).")
    return cannot_sit(swap.taker, duty)


@hooks.effect("duty_swap", "accept")
def record_taker(swap, actor, data, now):
    swap.taker_id = lawyer_of(actor).id


@hooks.effect("duty_swap", "approve")
def hand_over_the_seat(swap, actor, data, now):
    reassign(swap.duty, swap.taker, actor, now, "swapped", {"swap_id": swap.id})


def swaps_on_duty(duty):
    """A duty's timeline shows its swap requests' steps too."""
    return "duty_swap", select(SwapRequest.id).where(SwapRequest.duty_id == duty.id)
