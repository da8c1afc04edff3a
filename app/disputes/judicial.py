"""Judicial confirmation (司法确认) of a mediation agreement, as the case's
log records it.

Within 30 days of the agreement taking effect the parties may jointly apply
to the basic people's court for judicial confirmation (People's Mediation Law
art. 33); the court confirms the agreement valid (then a party may apply to
it for enforcement) or rejects the application (then the parties may change
the agreement or reach a new one through mediation, or sue). The mediator
records both with steps that keep the case's state (workflows/dispute.py):
what they say is in their audit events, so it is read back from there rather
than kept in columns of the case of its own. After a rejection the mediator
may take the case back into mediation (`mediate_after_rejection`); a new
agreement then has its own confirmation, read from its steps alone.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import bindparam, select

from ..audit.models import AuditEvent
from ..audit.personal import open_all
from ..extensions import db
from .agreement import took_effect
from .codes import CONFIRMED, REJECTED

APPLY = "apply_confirmation"
RULE = "record_ruling"


@dataclass(frozen=True)
class JudicialConfirmation:
    applied_on: date | None = None
    court: str | None = None
    ruled_on: date | None = None
    ruling: str | None = None  # codes.RULINGS
    note: str | None = None  # the ruling step's note

    @property
    def applied(self) -> bool:
        return self.applied_on is not None

    @property
    def confirmed(self) -> bool:
        return self.ruling == CONFIRMED

    @property
    def rejected(self) -> bool:
        return self.ruling == REJECTED


NOTHING = JudicialConfirmation()

# A new agreement (after the court rejected the last one, or a breach) has a
# confirmation of its own: what was recorded before it is the old one's.
AGREE = "agree"
_TRIGGERS = (AGREE, APPLY, RULE)

# Built once: the case page asks on every view of a case with an agreement in effect.
_STEPS = (select(AuditEvent.entity_type, AuditEvent.entity_id, AuditEvent.trigger, AuditEvent.data, AuditEvent.reason)
          .where(AuditEvent.entity_type == "dispute", AuditEvent.entity_id == bindparam("case_id"),
                 AuditEvent.trigger.in_(_TRIGGERS))
          .order_by(AuditEvent.seq))
# The same for many cases at once (the API's list).
_MANY = (select(AuditEvent.entity_type, AuditEvent.entity_id, AuditEvent.trigger, AuditEvent.data, AuditEvent.reason)
         .where(AuditEvent.entity_type == "dispute", AuditEvent.entity_id.in_(bindparam("case_ids", expanding=True)),
                AuditEvent.trigger.in_(_TRIGGERS))
         .order_by(AuditEvent.seq))


def _day(value) -> date | None:
    return date.fromisoformat(str(value)[:10]) if value else None


def _read(steps) -> JudicialConfirmation:
    """The confirmation of the agreement now on the case, from its steps in
    the log's order (events, or rows of their entity_type, entity_id,
    trigger, data and reason). Their data is read as every reader of the
    log reads it (open_all): personal values opened with the case's key, or
    erased once it is destroyed."""
    steps = list(steps)
    # An agreement's own data is not read (it only starts a new confirmation): its sealed
    # values would cost a look-up of the case's key on every page that asks.
    said = iter(open_all([step for step in steps if step.trigger != AGREE], db.session))
    found: dict = {}
    for step in steps:
        if step.trigger == AGREE:
            found = {}
            continue
        values = next(said)
        if step.trigger == APPLY:
            found.update(applied_on=_day(values.get("applied_on")), court=values.get("court"))
        else:
            found.update(ruled_on=_day(values.get("ruled_on")), ruling=values.get("ruling"), note=step.reason)
    return JudicialConfirmation(**found) if found else NOTHING


def judicial_confirmation(dispute) -> JudicialConfirmation:
    """What is recorded of the judicial confirmation of the case's agreement:
    nothing (and no statement) before it takes effect. Read once per version
    of the case: the steps' guards and the page ask again."""
    if took_effect(dispute) is None:
        return NOTHING
    cached = dispute.__dict__.get("_judicial")
    if cached is not None and cached[0] == dispute.version:
        return cached[1]
    status = _read(db.session.execute(_STEPS, {"case_id": dispute.id}))
    dispute._judicial = (dispute.version, status)
    return status


def judicial_confirmation_from(dispute, events) -> None:
    """Keep, as judicial_confirmation() would read it, the confirmation
    found in `events`: every audit event of the case, oldest first, read
    already (the case page's timeline), so that the page and its steps'
    guards ask the log nothing more."""
    if took_effect(dispute) is None:
        return
    steps = [e for e in sorted(events, key=lambda e: e.seq)
             if e.entity_type == "dispute" and e.entity_id == dispute.id and e.trigger in _TRIGGERS]
    dispute._judicial = (dispute.version, _read(steps))


def judicial_confirmations(disputes) -> dict[int, JudicialConfirmation]:
    """judicial_confirmation() of each case, by id, in one statement."""
    wanted = [d.id for d in disputes if took_effect(d) is not None]
    steps: dict[int, list] = {case_id: [] for case_id in wanted}
    if wanted:
        for step in db.session.execute(_MANY, {"case_ids": wanted}):
            steps[step.entity_id].append(step)
    return {d.id: _read(steps[d.id]) if d.id in steps else NOTHING for d in disputes}


def forget(dispute) -> None:
    """Drop what was read of the case's judicial confirmation: a step is
    recording more."""
    dispute.__dict__.pop("_judicial", None)
