"""The one door for every state change: fire()."""
from __future__ import annotations

from collections.abc import Callable
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app

from flask_babel import lazy_gettext as _l
from sqlalchemy import inspect
from sqlalchemy.orm.exc import StaleDataError
from transitions import Machine

from workflows import SYSTEM, WORKFLOWS, Transition, Workflow

from .. import clock, workdays
from ..audit.chain import caused_by, lock_chain, record
from ..database import begin_writing
from ..driver import row_values
from ..extensions import db
from ..i18n import translate
from .columns import creation_data, snapshot, step_data
from .deadlines import warn_time
from .errors import Conflict, Forbidden, GuardFailed, MissingData, NotAllowed
from .hooks import EFFECTS, GUARDS, STEP_HOOKS
from .urgings import keep_urged
from .writes import flush

CREATE = "create"

# The reason given for the step whose effects are running: an effect that
# tells someone why (a refusal's notice) reads it with step_reason().
_reason: ContextVar[str | None] = ContextVar("step_reason", default=None)


def step_reason() -> str | None:
    """The reason of the step being applied, for its effects and step hooks."""
    return _reason.get()


@contextmanager
def _giving_reason(reason):
    token = _reason.set(reason or None)
    try:
        yield
    finally:
        _reason.reset(token)


class SystemActor:
    """The timer runner acting on its own."""

    id = None
    role = SYSTEM
    username = "system"
    display_name = "system"


SYSTEM_ACTOR = SystemActor()


def _build_machine(wf: Workflow) -> Machine:
    machine = Machine(
        model=None,
        states=[s.code for s in wf.states],
        initial=wf.initial,
        auto_transitions=False,
        model_attribute="state",
        ignore_invalid_triggers=False,
    )
    for t in wf.transitions:
        machine.add_transition(t.trigger, list(t.sources), t.dest)
    return machine


# One Machine per workflow, built once at import: a Machine per row would cost
# about 1 ms and tens of KB each.
MACHINES: dict[str, Machine] = {name: _build_machine(wf) for name, wf in WORKFLOWS.items()}


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value is False


def _check(entity, wf: Workflow, t: Transition | None, trigger, actor, reason, data, expected_version):
    # A stale form is reported as such first: "reload" is the useful answer.
    if expected_version is not None and int(expected_version) != entity.version:
        raise Conflict(name_of(entity.changed_by_id), entity.changed_at)
    if t is None:
        known = trigger in wf.triggers()
        state = wf.state(entity.state)
        if not known:
            raise NotAllowed(_l("Unknown action “%(action)s”.", action=trigger))
        # Said of every workflow's rows (cases, invitations, duties, swaps,
        # follow-ups…), so the message names the state, not the kind of row.
        raise NotAllowed(
            _l("This action is not possible in the state “%(state)s”.", state=translate(state.label))
        )
    if actor.role not in t.roles:
        raise Forbidden(_l("Your role may not do “%(action)s”.", action=translate(t.label)))
    if actor.role != SYSTEM and not entity.visible_to(actor):
        raise Forbidden(_l("This is outside your area."))
    if t.reason_required and _blank(reason):
        raise MissingData(_l("Please give a reason."), field="reason")
    for name in t.required:
        if _blank(data.get(name)):
            raise MissingData(_l("This field is required."), field=name)
    problem = guard_problem(t, entity, actor, data)
    if problem:
        raise GuardFailed(problem)


def guard_problem(t: Transition, entity, actor, data):
    """The first of the transition's guards' messages refusing the step, or None."""
    return next((problem for problem in (GUARDS[name](entity, actor, data) for name in t.guards) if problem), None)


def end_of_whole_days(start, period: timedelta, first_day=None):
    """The UTC moment a period of whole days that starts after `start` (UTC),
    or after the local day `first_day`, ends: midnight at the end of its last
    local day, moved to the next working day when that is a rest day (Civil
    Code art. 203, app.workdays)."""
    begins = first_day if first_day is not None else clock.local_date(start)
    return clock.day_end(workdays.legal_last_day(begins + period))


def legal_end(due_at, state):
    """A legal period's due moment, moved to the end of the next working day
    when its local day is a rest day (Civil Code art. 203)."""
    if not state.legal_period:
        return due_at
    last_day = clock.local_date(due_at)
    moved = workdays.legal_last_day(last_day)
    return due_at if moved == last_day else clock.day_end(moved)


def state_deadline(state) -> timedelta | None:
    """The period a state allows: its setting where the installation has one
    (a number of hours, or a timedelta), else the definition's default."""
    if state.deadline_setting:
        value = current_app.config.get(state.deadline_setting)
        if isinstance(value, timedelta):
            return value
        if value is not None:
            return timedelta(hours=float(value))
    return state.deadline


def apply_deadline(entity, wf: Workflow, t: Transition | None, now, data) -> None:
    dest = wf.state(entity.state)
    period = state_deadline(dest)
    if t is not None and t.keep_deadline and entity.due_at is not None:
        pass
    elif dest.due_from is not None:
        entity.deadline_started_at = now
        entity.due_at = getattr(entity, dest.due_from)
    elif period is not None:
        entity.deadline_started_at = now
        first_day = _as_date(data.get(t.deadline_from)) if t is not None and t.deadline_from else None
        entity.due_at = end_of_whole_days(now, period, first_day) if dest.whole_days \
            else legal_end(now + period, dest)
    else:
        entity.deadline_started_at = None
        entity.due_at = None
    if t is not None and t.extend_by and entity.due_at is not None:
        entity.due_at = legal_end(entity.due_at + timedelta(days=int(data[t.extend_by])), dest)
    # Wherever due_at is set or moved, so is the moment it turns yellow.
    entity.warn_at = warn_time(entity.due_at, entity.deadline_started_at or entity.state_entered_at or now)


def _as_date(value):
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def create(entity, actor, data: dict | None = None, *, now=None, commit: bool = True):
    """Insert a new workflow entity in its initial state, with its first
    audit event."""
    wf = entity.__workflow__
    now = now or clock.now()
    session = db.session
    try:
        entity.state = wf.initial
        entity.state_entered_at = now
        entity.changed_at = now
        entity.changed_by_id = actor.id
        apply_deadline(entity, wf, None, now, {})
        session.add(entity)
        lock_chain(session)  # the chain lock before any row lock (app/audit/chain.py)
        flush(session)  # the INSERT, and what else is pending (writes.py)
        record(entity.__entity_type__, entity.id, CREATE, actor, to_state=wf.initial,
               data=creation_data(entity, data or {}), at=now)
        if commit:
            session.commit()
    except Exception:
        session.rollback()
        raise
    return entity


def fire(entity, trigger: str, actor, reason: str | None = None, *, expected_version=None, now=None,
         commit: bool = True, **data):
    """Check, apply and record one step, in one transaction or not at all."""
    wf: Workflow = entity.__workflow__
    session = db.session
    now = now or clock.now()
    reason = reason.strip() if isinstance(reason, str) else reason
    try:
        begin_writing(session)
        _reload_if_expired(session, entity)
        _reload_if_expired(session, actor)
        source = entity.state
        t = wf.transition(trigger, source)
        _check(entity, wf, t, trigger, actor, reason, data, expected_version)
        # The chain lock before any row lock: this row's UPDATE, and the rows
        # effects change (a case step cancelling follow-ups). See app/audit/chain.py.
        lock_chain(session)
        before = snapshot(entity)
        MACHINES[wf.name].events[trigger].trigger(entity)
        apply_deadline(entity, wf, t, now, data)
        entity.state_entered_at = now
        entity.changed_at = now
        entity.changed_by_id = actor.id
        keep_urged(entity, trigger, source, now)
        effects = EFFECTS.get((wf.name, trigger), ())
        if effects:
            # One UPDATE of the row, not one per effect query; what they record names this step.
            with session.no_autoflush, caused_by(entity.__entity_type__, entity.id, trigger), _giving_reason(reason):
                for apply in effects:
                    apply(entity, actor, data, now)
        if STEP_HOOKS:
            # the row's UPDATE stays the version-checked flush below
            with session.no_autoflush, _giving_reason(reason):
                for hook in STEP_HOOKS:
                    hook(entity, actor, trigger, now)
        flush(session)  # UPDATE ... WHERE version = loaded version (writes.py)
        record(
            entity.__entity_type__, entity.id, trigger, actor,
            from_state=source, to_state=entity.state, reason=reason or None, data=step_data(entity, data, before),
            at=now,
        )
        if commit:
            session.commit()
    except StaleDataError:
        raise stale_conflict(session, entity)
    except Exception:
        session.rollback()
        raise
    return entity


def stale_conflict(session, entity) -> Conflict:
    """After a version-checked UPDATE found that someone else got in first:
    roll back and say who changed the row, and when."""
    session.rollback()
    fresh = session.get(type(entity), entity.id)
    return Conflict(name_of(fresh.changed_by_id) if fresh else None, fresh.changed_at if fresh else None)


def _reload_if_expired(session, obj) -> None:
    """Read an expired object's row again, as the ORM would on first use.
    Every COMMIT expires every object in the session, so this is the first
    read of a step on a case or an actor held across steps (the timer run's
    next row is loaded fresh; scripts, the demo builder and tests hold).
    The ORM's own refresh builds its SELECT and that SELECT's cache key on
    every call; a prebuilt ORM select with populate_existing still spends
    most of its time in execution and loading. So the row's columns are read
    by a statement sent to the driver (driver.row_values) and set as loaded,
    as the ORM's loader sets them (its relationships stay unloaded, read
    lazily if asked for). No
    autoflush: the caller's own pending rows are flushed with the step."""
    state = inspect(obj, raiseerr=False)
    if state is None or state.key is None or not state.expired or state.modified:
        return  # not mapped (the system actor), not stored yet, loaded, or changed by the caller
    if state.session is not session():
        return  # another session's object: left to that session
    values = row_values(session.connection(), state.mapper, state.key[1])
    if values is None:
        return  # deleted meanwhile: left expired, as the ORM leaves it (ObjectDeletedError on use)
    dict_ = state.dict
    dict_.update(values)
    # What the ORM's loader does once it has populated a row's attributes.
    state._commit_all(dict_, session().identity_map)


def available(entity, actor) -> list[Transition]:
    """The transitions this actor may start now (for the buttons on a page)."""
    return steps_and_refusals(entity, actor)[0]


@dataclass(frozen=True)
class Refusal:
    """A step of the actor's role from the entity's state that a guard refuses now."""
    transition: Transition
    guard: str  # the name of the first guard refusing it
    message: object


def steps_and_refusals(entity, actor) -> tuple[list[Transition], list[Refusal]]:
    """The transitions this actor may start now, and those of their role
    from this state that a guard refuses (with the guard and its message),
    each guard asked once: a page may show a refused step with its reason."""
    wf: Workflow = entity.__workflow__
    if actor.role != SYSTEM and not entity.visible_to(actor):
        return [], []
    offered, refused = [], []
    for t in wf.outgoing(entity.state):
        if actor.role not in t.roles:
            continue
        for name in t.guards:
            problem = GUARDS[name](entity, actor, None)
            if problem:
                refused.append(Refusal(t, name, problem))
                break
        else:
            offered.append(t)
    return offered, refused


def why_not(entity, trigger: str, actor):
    """Why `actor` is not offered `trigger` on the entity now, when its role
    takes that step from the entity's state: the first guard's message (the
    one fire() would refuse with); None otherwise."""
    t = entity.__workflow__.transition(trigger, entity.state)
    if t is None or actor.role not in t.roles:
        return None
    return guard_problem(t, entity, actor, None)


# The engine knows no account model: the accounts package installs how a
# user id becomes a name ("changed by X"). Until it does, nobody is named.
def _nobody(user_id: int) -> str | None:
    return None


_name_lookup: Callable[[int], str | None] = _nobody


def install_name_lookup(lookup: Callable[[int], str | None]) -> None:
    global _name_lookup
    _name_lookup = lookup


def name_of(user_id) -> str | None:
    """The display name of the user with this id, for the messages that say
    who changed a row; None for the system or an unknown id."""
    return None if user_id is None else _name_lookup(user_id)

