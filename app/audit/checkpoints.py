"""Signed checkpoints of the audit chain, so that the routine check reads only
what came after the last one.

Every AUDIT_CHECKPOINT_EVERY events (10,000) the chain's position is kept:
the count of events, the id and hash of the last one, signed with HMAC-SHA256
under AUDIT_CHECKPOINT_KEY (derived from AUDIT_KEY when unset). A checkpoint
is written only after the events since the previous one were checked (hashes
and links), by the timer job `checkpoint_job`.

The head hash commits to every event before it: whoever changes, removes or
inserts an event before a checkpoint must rewrite every later hash to keep
the chain whole, and then the event at the checkpoint no longer carries the
signed head; a signature that does not match (a forged or edited checkpoint)
is reported too. So the routine check (`verify_since_checkpoint`, `flask
audit verify --since-checkpoint`) checks the newest checkpoint's signature
and anchor and then each event after it. An event edited before the newest
checkpoint without rewriting the hashes after it is found by the full check
(`flask audit verify`), which also holds every checkpoint against the chain
as it passes and replays the states and audited columns of every entity.

Signing is itself a step of the history: each checkpoint appends, in the
transaction that writes it, one event ("checkpoint_signed" on the
"audit_checkpoint" row) saying by what it was signed (the timer job, or
`flask audit checkpoint`), its count and its head, as the system. That
event joins the chain after the head it names, so it is covered by the
next checkpoint, like any other event after this one; it counts among the
events of the next AUDIT_CHECKPOINT_EVERY.
"""
from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from types import SimpleNamespace

from flask import current_app
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from workflows import SYSTEM

from .. import clock
from ..database import read_only
from ..extensions import db
from ..i18n import N_
from .chain import GENESIS, chain_key, hash_checker, lock_chain, record
from .models import AuditCheckpoint, AuditEvent
from .reader import read_rows, row_name

CHECKPOINT_JOB = "audit checkpoints signed"
# Who signs a checkpoint: the system (its event, "checkpoint_signed", is about the checkpoint's row).
SIGNER = SimpleNamespace(id=None, role=SYSTEM)
# What signed it (the event's "by"): the timer job, or the command run by hand.
BY = {"tick": N_("The timer job (flask workflows tick)"), "cli": N_("On the command line")}
_checkpoints = AuditCheckpoint.__table__
_events = AuditEvent.__table__


class AuditLogDamaged(Exception):
    """The routine check found problems: no checkpoint is signed over them."""


@dataclass(frozen=True)
class Mark:
    events: int
    last_id: int
    head: str


def checkpoint_key() -> bytes:
    value = current_app.config.get("AUDIT_CHECKPOINT_KEY")
    if value:
        return value.encode()
    return hmac.new(current_app.config["AUDIT_KEY"].encode(), b"audit checkpoint key", hashlib.sha256).digest()


def signature(events: int, last_id: int, head: str) -> str:
    message = f"audit-checkpoint events={events} last_id={last_id} head={head}".encode()
    return hmac.new(checkpoint_key(), message, hashlib.sha256).hexdigest()


def is_signed(checkpoint) -> bool:
    return hmac.compare_digest(signature(checkpoint.events, checkpoint.last_id, checkpoint.head),
                               checkpoint.signature or "")


def all_checkpoints(session) -> list:
    return session.execute(select(_checkpoints).order_by(_checkpoints.c.events)).all()


def describe(checkpoint) -> str:
    return f"checkpoint after {checkpoint.events} events (event id={checkpoint.last_id})"


def check_chain(session, *, after_id: int, prev: str, count: int, every: int, progress=None):
    """Hashes and links of every event after `after_id`, the one before it
    having hash `prev` and being event number `count`. Returns (problems,
    count at the end, the positions at each multiple of `every`)."""
    check_hash = hash_checker(chain_key())
    problems, marks, pending = [], [], 0
    for row in read_rows(session, after_id):  # plain tuples: row[0] id, row[-2] prev_hash, row[-1] hash
        count += 1
        if row[-2] != prev:
            problems.append(f"{row_name(row)}: link to the previous row is broken "
                            "(a row was deleted, inserted or moved before it)")
        if not check_hash(row):
            problems.append(f"{row_name(row)}: hash does not match its content (the row was edited or forged)")
        prev = row[-1]
        if count % every == 0:
            marks.append(Mark(count, row[0], prev))
        if progress:
            pending += 1
            if pending == 1000:
                progress(pending)
                pending = 0
    if progress and pending:
        progress(pending)
    return problems, count, marks


def newest_anchor(session) -> tuple[list[str], object | None]:
    """The newest checkpoint to start from, and what is wrong with it (then
    None: the check starts from the first event)."""
    checkpoints = all_checkpoints(session)
    if not checkpoints:
        return [], None
    newest = checkpoints[-1]
    if not is_signed(newest):
        return [f"{describe(newest)}: its signature does not match (forged, or AUDIT_CHECKPOINT_KEY "
                "changed); checked from the first event instead"], None
    stored = session.execute(select(_events.c.hash).where(_events.c.id == newest.last_id)).scalar()
    if stored != newest.head:
        return [f"{describe(newest)}: the log no longer has the signed head there: events up to it were "
                "changed, removed or inserted (run the full check, flask audit verify)"], None
    return [], newest


def verify_since_checkpoint(session=None, progress=None) -> tuple[list[str], list[Mark]]:
    """The routine check: the newest checkpoint, then every event after it.
    Returns (problems, positions for new checkpoints)."""
    session = session or db.session
    every = max(1, int(current_app.config["AUDIT_CHECKPOINT_EVERY"]))
    problems, anchor = newest_anchor(session)
    start = (anchor.last_id, anchor.head, anchor.events) if anchor else (0, GENESIS, 0)
    found, _, marks = check_chain(session, after_id=start[0], prev=start[1], count=start[2], every=every,
                                  progress=progress)
    return problems + found, marks


def checkpoint_job(now=None, *, by: str = "tick") -> int:
    """Check what came after the last checkpoint and sign one every
    AUDIT_CHECKPOINT_EVERY events; returns how many were signed. Reads one
    snapshot (writers go on meanwhile); raises when the check found problems.
    Each checkpoint is audited in the same transaction (`by`: a key of BY)."""
    with read_only():
        problems, marks = verify_since_checkpoint()
    if problems:
        raise AuditLogDamaged(f"{len(problems)} problem(s) in the audit log since the last checkpoint "
                              f"(first: {problems[0]}); run flask audit verify")
    if not marks:
        return 0
    made_at = now or clock.now()
    try:
        # The chain lock before the checkpoints' unique rows, as every writer orders its locks
        # (app/audit/chain.py): a second runner waits here, then finds the positions taken.
        lock_chain(db.session)
        for m in marks:
            checkpoint_id = db.session.execute(insert(_checkpoints).values(
                events=m.events, last_id=m.last_id, head=m.head, made_at=made_at,
                signature=signature(m.events, m.last_id, m.head))).inserted_primary_key[0]
            record("audit_checkpoint", checkpoint_id, "checkpoint_signed", SIGNER, at=made_at,
                   data={"by": by, "events": m.events, "last_id": m.last_id, "head": m.head})
        db.session.commit()
    except IntegrityError:  # another runner signed the same positions first
        db.session.rollback()
        return 0
    return len(marks)
