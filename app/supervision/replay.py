"""A case as it stood at a moment D, rebuilt from the audit log.

- State and deadline: the case's own state-changing events up to D, replayed
  forward from the workflow's initial state; each step's due time is worked
  out by the engine's own deadline rule (app/engine/core.py), so the
  deadline shown is the one the case had then.
- Fields: a field changed by an edit after D had, at D, the "before" value
  of the first such edit; a field no edit after D touched had its present
  value. Fields that steps set (file number, lead mediator, agreement,
  route, closing summary) are taken from the steps up to D.
- Parties: the present parties, less those added after D, with every change
  made after D undone (the events keep each field before and after).
- Sessions and attachments: the rows recorded up to D.
Nothing here writes: replay is read-only.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from types import SimpleNamespace

from sqlalchemy import select

from ..audit.models import AuditEvent
from ..audit.personal import open_all
from ..timeline import Entry, timeline
from ..engine.core import apply_deadline
from ..extensions import db

# The case fields a replay shows (those an edit can change, and what steps set).
EDITABLE = ("channel", "dispute_type", "grid_id", "place", "arose_on", "facts", "amount", "people_count", "risk")
PARTY_FIELDS = ("role", "kind", "name", "sex", "ethnicity", "age", "id_type", "id_number", "occupation", "address",
                "phone")


@dataclass
class Snapshot:
    at: datetime
    existed: bool
    state: str | None = None
    state_since: datetime | None = None
    due_at: datetime | None = None
    fields: dict = field(default_factory=dict)
    file_no: str | None = None
    assignee_id: int | None = None
    co_mediator_ids: list = field(default_factory=list)
    agreement: dict | None = None
    route: str | None = None
    outcome: str | None = None
    summary: str | None = None
    closed_at: datetime | None = None
    parties: list = field(default_factory=list)
    sessions: list = field(default_factory=list)
    attachments: list = field(default_factory=list)
    history: list[Entry] = field(default_factory=list)


def _events(dispute):
    return list(db.session.execute(
        select(AuditEvent).where(AuditEvent.entity_type == dispute.__entity_type__,
                                 AuditEvent.entity_id == dispute.id).order_by(AuditEvent.seq)
    ).scalars())


def replay(dispute, at: datetime, locale: str) -> Snapshot:
    events = _events(dispute)
    before = [e for e in events if e.at <= at]
    after = [e for e in events if e.at > at]
    if not before:
        return Snapshot(at=at, existed=False)
    snap = Snapshot(at=at, existed=True)
    # Personal values decrypted while the case's key exists (ERASED after).
    opened = {event.id: data for event, data in zip(events, open_all(events, db.session))}
    _replay_steps(dispute, before, snap, opened)
    _fields_at(dispute, after, snap, opened)
    _parties_at(dispute, after, snap, opened)
    snap.sessions = [s for s in dispute.sessions if s.recorded_at <= at]
    snap.attachments = [a for a in dispute.attachments if a.uploaded_at <= at]
    snap.history = [e for e in timeline(dispute, locale) if e.at <= at]
    return snap


def _replay_steps(dispute, events, snap: Snapshot, opened: dict) -> None:
    wf = dispute.__workflow__
    row = SimpleNamespace(state=None, due_at=None, deadline_started_at=None, state_entered_at=None, warn_at=None)
    for event in events:
        data = opened[event.id]
        if event.to_state is None:
            continue  # not a step: edits, uploads, reveals...
        t = None if event.from_state is None else wf.transition(event.trigger, event.from_state)
        row.state = event.to_state
        apply_deadline(row, wf, t, event.at, data)
        row.state_entered_at = event.at
        snap.state_since = event.at
        _apply_step(event.trigger, data, event.at, snap, dispute)
    snap.state = row.state
    snap.due_at = row.due_at


def _apply_step(trigger, data, at, snap: Snapshot, dispute) -> None:
    if trigger == "accept":
        snap.file_no = dispute.file_no
    elif trigger == "assign":
        snap.assignee_id = data.get("mediator_id")
        snap.co_mediator_ids = list(data.get("co_mediator_ids") or [])
    elif trigger == "recuse":
        snap.assignee_id, snap.co_mediator_ids = None, []
    elif trigger == "agree":
        snap.agreement = {k: data.get(k) for k in ("form", "terms", "main_facts", "matters", "responsibilities",
                                                    "perform_how", "perform_where", "perform_by")}
    elif trigger in ("reject", "fail", "party_refuses"):
        snap.route = data.get("route")
    elif trigger == "resolve_on_spot":
        snap.outcome = data.get("outcome")
    elif trigger == "close":
        snap.summary, snap.closed_at = data.get("summary"), at
    elif trigger in ("reopen", "reopen_on_spot", "reopen_for_intake"):
        snap.closed_at = None
    elif trigger in ("repair_unaccepted", "repair_unaccepted_to_intake"):
        snap.assignee_id, snap.co_mediator_ids, snap.route, snap.agreement = None, [], None, None


def _fields_at(dispute, after, snap: Snapshot, opened: dict) -> None:
    values = {name: getattr(dispute, name) for name in EDITABLE}
    # Undo the edits made after D, newest first: what remains is the value at D.
    for event in reversed(after):
        if event.trigger != "edit":
            continue
        for name, pair in (opened[event.id].get("changes") or {}).items():
            if name in values and isinstance(pair, list) and len(pair) == 2:
                values[name] = pair[0]
    snap.fields = values


def _parties_at(dispute, after, snap: Snapshot, opened: dict) -> None:
    parties = {p.id: {name: getattr(p, name) for name in PARTY_FIELDS} | {"id": p.id} for p in dispute.parties}
    for event in reversed(after):
        if event.trigger not in ("add_party", "edit_party"):
            continue
        data = opened[event.id]
        party = parties.get(data.get("party_id"))
        if party is None:
            continue
        if event.trigger == "add_party":
            del parties[data["party_id"]]
            continue
        for name, pair in (data.get("changes") or {}).items():
            if name in party and isinstance(pair, list) and len(pair) == 2:
                party[name] = pair[0]
    snap.parties = sorted(parties.values(), key=lambda p: p["id"])
