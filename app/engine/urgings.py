"""Urgings (督办) that still stand, for the lists to mark.

A supervisor's `urge` is a step that keeps the state (an escalated referral
or follow-up stays escalated and red), so the row itself cannot tell that it
was urged: the log can. An urging stands until the row's next other step
(the liaison acknowledges, the mediator records the visit): then the work it
pressed for is done and the mark would mislead. So the mark counts the
`urge` events after the row's last event that set its state (a step or its
creation), and gives the local day of the newest.

Read for a whole list in one statement (`standing`), and only when one of
its rows is in a state it can be urged in: most lists hold none, and send
no statement for it.

A list that puts the urged rows first cannot ask the log of every row it
sorts (a correlated EXISTS with the row's last step, for every row the
filter keeps before the LIMIT: a department's whole history). So the row
keeps `urged_at` (mixin.UrgedMixin): `fire()` sets it on an urging and
clears it on any other step, in the step's own UPDATE (`keep_urged`), so
it stands exactly while the log says an urging stands.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from sqlalchemy import and_, bindparam, case, func, literal, null, select
from sqlalchemy.orm import aliased

from .. import clock
from ..audit.models import AuditEvent
from ..extensions import db
from .mixin import UrgedMixin

URGE = "urge"
# The triggers an urging is fired by: `urge`, or `urge_mediators` in a
# workflow whose `urge` is another step (the dispute's press for performance:
# it leads out of the states a case is urged in, which only a later step
# leads back into, so its events never count as standing).
URGINGS = (URGE, "urge_mediators")


@dataclass(frozen=True)
class Urged:
    """What a list shows of the urgings standing on a row: hashable, so a
    cached part of a page (app/fragments.py) is keyed by it."""
    day: date   # the centre's day of the newest
    count: int  # how many since the row's last other step


def urgeable_states(workflow) -> frozenset[str]:
    """The states a row is urged in, keeping them."""
    return _urgeable(workflow.name, workflow.transitions)


@lru_cache(maxsize=None)
def _urgeable(_name: str, transitions: tuple) -> frozenset[str]:
    return frozenset(s for t in transitions if t.trigger in URGINGS for s in t.sources if t.dest == s)


def _after_last_step():
    """The condition on an AuditEvent: an urging of its row after the row's
    last event that set its state (every step records its new state,
    creation included; edits and uploads record none)."""
    step = aliased(AuditEvent)
    last_step = (select(func.max(step.seq))
                 .where(step.entity_type == AuditEvent.entity_type, step.entity_id == AuditEvent.entity_id,
                        step.to_state.is_not(None), step.trigger.not_in(URGINGS))
                 .correlate(AuditEvent).scalar_subquery())
    return and_(AuditEvent.trigger.in_(URGINGS), AuditEvent.seq > last_step)


# Built once: a list page asks on every view.
_STANDING = (select(AuditEvent.entity_id, func.count(), func.max(AuditEvent.at))
             .where(AuditEvent.entity_type == bindparam("entity_type"),
                    AuditEvent.entity_id.in_(bindparam("ids", expanding=True)),
                    _after_last_step())
             .group_by(AuditEvent.entity_id))


def keep_urged(entity, trigger: str, source: str, now) -> None:
    """Within fire(), before the row's UPDATE: an urging stands from now, any
    other step ends those standing (as `_after_last_step` reads the log). An
    `urge` that leaves its state (the case's press for performance of a
    breached agreement) is a step like any other: nothing stands after it."""
    if isinstance(entity, UrgedMixin):
        urged_at = now if trigger in URGINGS and entity.state == source else None
        if entity.urged_at != urged_at:  # no column written by a step with none standing
            entity.urged_at = urged_at


def urged_first(model):
    """An ORDER BY term: the rows with urgings standing first (0), then the
    others (1); read from the row itself (`urged_at`), not the log."""
    states = sorted(urgeable_states(model.__workflow__))
    if not states:
        return literal(1)
    return case((and_(model.state.in_(states), model.urged_at.is_not(None)), 0), else_=1)


def standing(model, rows) -> dict[int, Urged]:
    """id -> the urgings standing on each of `rows` of `model` (a workflow
    model; the rows, anything with its `id` and `state`) that has any; one
    statement, none if no row can be urged."""
    states = urgeable_states(model.__workflow__)
    ids = sorted({row.id for row in rows if row.state in states})
    if not ids:
        return {}
    found = db.session.execute(_STANDING, {"entity_type": model.__entity_type__, "ids": ids})
    return {entity_id: Urged(clock.local_date(last), count) for entity_id, count, last in found}


def standing_columns(model) -> tuple:
    """The urgings standing on each row of a select of `model`, as two
    columns of the list's own statement (a list read in one statement): how
    many (0 for none, and for a row in a state it is not urged in) and when
    the newest was made. `urged_of(count, last)` is its mark."""
    states = sorted(urgeable_states(model.__workflow__))
    if not states:
        return literal(0), null()
    of_row = (AuditEvent.entity_type == model.__entity_type__, AuditEvent.entity_id == model.id, _after_last_step())
    count = select(func.count()).where(*of_row).correlate(model).scalar_subquery()
    last = select(func.max(AuditEvent.at)).where(*of_row).correlate(model).scalar_subquery()
    may_stand = model.state.in_(states)
    return case((may_stand, count), else_=0), case((may_stand, last), else_=null())


def urged_of(count, last) -> Urged | None:
    """The mark of the urgings read by `standing_columns`, None for none."""
    return Urged(clock.local_date(last), count) if count else None


def standing_on(model, row) -> list[AuditEvent]:
    """The urgings standing on one row, newest first: its own page shows the
    newest one's note and who urged, above the actions it presses for. One
    statement; none if the row is not in a state it is urged in."""
    if row.state not in urgeable_states(model.__workflow__) or getattr(row, "urged_at", True) is None:
        return []  # the row says none stands (urged_at, kept by fire()): no need to ask the log
    return list(db.session.execute(
        select(AuditEvent).where(AuditEvent.entity_type == model.__entity_type__, AuditEvent.entity_id == row.id,
                                 _after_last_step())
        .order_by(AuditEvent.seq.desc())).scalars())
