"""Urgings (督办) that still stand, for the lists to mark.

A supervisor's `urge` is a step that keeps the state (an escalated referral
or follow-up stays escalated and red), so the row itself cannot tell that it
was urged: the log can. An urging stands until the row's next other step
(the liaison acknowledges, the mediator records the visit): then the work it
pressed for is done and the mark would mislead. So the mark counts the
`urge` events after the row's last event that set its state (a step or its
creation), and gives the local day of the newest.

Read for a whole list in one statement (`standing`), and only when one of
its rows says an urging may stand on it (below): most lists hold none, and
send no statement for it.

A list that puts the urged rows first cannot ask the log of every row it
sorts (a correlated EXISTS with the row's last step, for every row the
filter keeps before the LIMIT: a department's whole history). So the row
keeps `urged_at` (mixin.UrgedMixin): `fire()` sets it on an urging and
clears it on any other step, in the step's own UPDATE (`keep_urged`), so
it stands exactly while the log says an urging stands.

Every reader has one shape: the row says whether an urging may stand on
it (`_may_stand`: a state it is urged in, and `urged_at` set), and only
then is the log asked what stands (`_standing_on_row`): how many since
the row's last step, when, and by whom with what note, which the row does
not keep.
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


def _may_stand(model):
    """The SQL condition on a row of `model` that an urging may stand on it
    (the row says so: `urged_at`, kept by fire()); None for a workflow
    whose rows are never urged."""
    states = sorted(urgeable_states(model.__workflow__))
    return and_(model.state.in_(states), model.urged_at.is_not(None)) if states else None


def _may_stand_on(model, row) -> bool:
    """The same of a row in hand; of a row read without `urged_at` (a list
    of its own columns), the log is asked."""
    return row.state in urgeable_states(model.__workflow__) and getattr(row, "urged_at", True) is not None


def _standing_on_row(model, entity_id):
    """The conditions on an AuditEvent: an urging standing on this row."""
    return AuditEvent.entity_type == model.__entity_type__, AuditEvent.entity_id == entity_id, _after_last_step()


def urged_first(model):
    """An ORDER BY term: the rows with urgings standing first (0), then the
    others (1); read from the row itself (`urged_at`), not the log."""
    may_stand = _may_stand(model)
    return literal(1) if may_stand is None else case((may_stand, 0), else_=1)


def standing(model, rows) -> dict[int, Urged]:
    """id -> the urgings standing on each of `rows` of `model` (a workflow
    model; the rows, anything with its `id`, `state` and, if read, its
    `urged_at`) that has any; one statement, none if no row may have one
    standing."""
    ids = sorted({row.id for row in rows if _may_stand_on(model, row)})
    if not ids:
        return {}
    found = db.session.execute(_STANDING, {"entity_type": model.__entity_type__, "ids": ids})
    return {entity_id: Urged(clock.local_date(last), count) for entity_id, count, last in found}


def standing_columns(model) -> tuple:
    """The urgings standing on each row of a select of `model`, as two
    columns of the list's own statement (a list read in one statement): how
    many (0 for none) and when the newest was made. The log is asked only
    of a row that says one may stand (a CASE evaluates its branch only when
    its condition holds, on SQLite and PostgreSQL alike): an overdue list's
    rows are mostly not urged. `urged_of(count, last)` is its mark."""
    may_stand = _may_stand(model)
    if may_stand is None:
        return literal(0), null()
    of_row = _standing_on_row(model, model.id)
    count = select(func.count()).where(*of_row).correlate(model).scalar_subquery()
    last = select(func.max(AuditEvent.at)).where(*of_row).correlate(model).scalar_subquery()
    return case((may_stand, count), else_=0), case((may_stand, last), else_=null())


def urged_of(count, last) -> Urged | None:
    """The mark of the urgings read by `standing_columns`, None for none."""
    return Urged(clock.local_date(last), count) if count else None


def standing_on(model, row) -> list[AuditEvent]:
    """The urgings standing on one row, newest first: its own page shows the
    newest one's note and who urged, above the actions it presses for. One
    statement; none if the row says none may stand."""
    if not _may_stand_on(model, row):
        return []
    return list(db.session.execute(
        select(AuditEvent).where(*_standing_on_row(model, row.id)).order_by(AuditEvent.seq.desc())).scalars())
