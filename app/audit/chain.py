"""The hash-chained audit log: append, verify, digest.

Each row's hash is HMAC-SHA256 (key AUDIT_KEY) over the canonical JSON of the
row's content and the previous row's hash, so an edited, deleted, inserted or
reordered row breaks the chain. A digest (event count and head hash) kept
elsewhere also catches a cut-off tail.
"""
from __future__ import annotations

import hashlib
import hmac
import json
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from enum import Enum
from json.encoder import encode_basestring
from uuid import UUID

from flask import current_app
from sqlalchemy import bindparam, func, insert, select, text
from sqlalchemy.orm import scoped_session

from .. import clock
from ..driver import DriverStatement, built_once
from ..extensions import db
from .models import AuditEvent
from .personal import holds_personal, might_hold_personal, seal

GENESIS = "0" * 64
# Any constant works; it names "the audit chain" among advisory locks. The
# lock's second key is the schema's (LOCK_CHAIN): advisory locks are the
# database's, and two installations (or test runs) in schemas of one database
# each keep a chain of their own, so they must not queue on one lock.
CHAIN_LOCK_KEY = 0x6D656469


def _json_default(value):
    """Every type a form or a model column hands over, written as text that
    reads the same back: the one place that decides how audit data is spelt."""
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal | UUID):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, set | frozenset | tuple):
        return sorted(value, key=str)
    raise TypeError(f"cannot record {type(value).__name__} in the audit log")


def canonical_json(value) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=_json_default)


def row_hash(key: bytes, fields: dict, prev_hash: str) -> str:
    content = dict(fields)
    content["prev_hash"] = prev_hash
    return hmac.new(key, canonical_json(content).encode(), hashlib.sha256).hexdigest()


def _fields(entity_type, entity_id, seq, trigger, from_state, to_state, actor_id, actor_role, at, reason, data):
    return {
        "entity_type": entity_type,
        "entity_id": entity_id,
        "seq": seq,
        "trigger": trigger,
        "from_state": from_state,
        "to_state": to_state,
        "actor_id": actor_id,
        "actor_role": actor_role,
        "at": at.isoformat(timespec="microseconds"),
        "reason": reason,
        "data": data,
    }


# What verify reads of each event: the hashed fields, and id, prev_hash, hash.
EVENT_COLUMNS = ("id", "entity_type", "entity_id", "seq", "trigger", "from_state", "to_state", "actor_id",
                 "actor_role", "at", "reason", "data", "prev_hash", "hash")


# canonical_json of an event's hashed fields (row_hash), spelt out: the keys in
# sorted order, each value encoded by the json module's own string encoder.
# Twice as fast as json.dumps with sort_keys, and the same text for the
# types an event holds (text, whole numbers, None); any other value is
# handed to canonical_json.
_CANONICAL_EVENT = ('{"actor_id":%s,"actor_role":%s,"at":%s,"data":%s,"entity_id":%s,"entity_type":%s,'
                    '"from_state":%s,"prev_hash":%s,"reason":%s,"seq":%s,"to_state":%s,"trigger":%s}')


def _number(value) -> str:
    """A whole number as JSON, or a ValueError for anything else (then the
    event is spelt by canonical_json itself)."""
    if value is None:
        return "null"
    raise ValueError


def at_text(at) -> str:
    """An event's time as it is hashed: isoformat with microseconds. SQLite
    hands over the stored text ('YYYY-MM-DD HH:MM:SS.ffffff', always with
    microseconds), which only needs its separator changed."""
    if type(at) is str:
        if len(at) == 26 and at[10] == " ":
            return f"{at[:10]}T{at[11:]}"
        try:
            at = datetime.fromisoformat(at)
        except ValueError:
            return at  # not a time: it cannot be what was hashed, and the check says so
    return at.isoformat(timespec="microseconds")


def event_text(e) -> str:
    """canonical_json of row_hash's content for an event read as
    EVENT_COLUMNS (a plain tuple from the driver will do)."""
    _, entity_type, entity_id, seq, trigger, from_state, to_state, actor_id, actor_role, at, reason, data, prev, _ = e
    return _spelt(entity_type, entity_id, seq, trigger, from_state, to_state, actor_id, actor_role, at_text(at),
                  reason, data, prev)


def _spelt(entity_type, entity_id, seq, trigger, from_state, to_state, actor_id, actor_role, at, reason, data,
           prev) -> str:
    """The canonical text of an event whose time is already spelt as hashed."""
    enc = encode_basestring  # raises TypeError for anything but text
    try:
        return _CANONICAL_EVENT % (
            str(actor_id) if type(actor_id) is int else _number(actor_id), enc(actor_role), enc(at),
            enc(data), str(entity_id) if type(entity_id) is int else _number(entity_id), enc(entity_type),
            "null" if from_state is None else enc(from_state), enc(prev), "null" if reason is None else enc(reason),
            str(seq) if type(seq) is int else _number(seq), "null" if to_state is None else enc(to_state),
            enc(trigger))
    except (TypeError, ValueError):  # a value of another type: as canonical_json spells it
        return canonical_json({
            "entity_type": entity_type, "entity_id": entity_id, "seq": seq, "trigger": trigger,
            "from_state": from_state, "to_state": to_state, "actor_id": actor_id, "actor_role": actor_role,
            "at": at, "reason": reason, "data": data, "prev_hash": prev})


def hash_checker(key: bytes):
    """check(event) -> bool: row_hash(key, fields_of(event), event's
    prev_hash) == event's hash, for an event read as EVENT_COLUMNS, at full
    speed: HMAC-SHA256 from SHA-256 states keyed once (the inner and outer
    pads of RFC 2104) and copied, and the canonical JSON spelt out."""
    block = hashlib.sha256().block_size
    padded = (hashlib.sha256(key).digest() if len(key) > block else key).ljust(block, b"\0")
    inner = hashlib.sha256(bytes(b ^ 0x36 for b in padded))
    outer = hashlib.sha256(bytes(b ^ 0x5C for b in padded))

    def check(e) -> bool:
        mac = inner.copy()
        mac.update(event_text(e).encode())
        result = outer.copy()
        result.update(mac.digest())
        return result.hexdigest() == e[-1]

    return check


_keyed: tuple[bytes, object] = (b"", None)


def _append_hash(key: bytes, fields: dict, prev_hash: str) -> str:
    """row_hash(key, fields, prev_hash) for an append: the same canonical
    text, spelt out as verify's hash_checker spells it, and the key's HMAC
    state made once and copied."""
    global _keyed
    if _keyed[0] != key:
        _keyed = (key, hmac.new(key, digestmod=hashlib.sha256))
    f = fields
    mac = _keyed[1].copy()
    mac.update(_spelt(f["entity_type"], f["entity_id"], f["seq"], f["trigger"], f["from_state"], f["to_state"],
                      f["actor_id"], f["actor_role"], f["at"], f["reason"], f["data"], prev_hash).encode())
    return mac.hexdigest()


def fields_of(row) -> dict:
    return _fields(
        row.entity_type, row.entity_id, row.seq, row.trigger, row.from_state, row.to_state,
        row.actor_id, row.actor_role, row.at, row.reason, row.data,
    )


_encoded: tuple[str, bytes] = ("", b"")


def chain_key() -> bytes:
    global _encoded
    value = current_app.config["AUDIT_KEY"]
    if _encoded[0] != value:  # encoded once, not on every append
        _encoded = (value, value.encode())
    return _encoded[1]


# The statements of an append, built once: building a statement and computing
# its cache key on every call cost more than running it (see bench/engine.py).
# They use the Table, not the mapped class. With entity_id None (an event
# about no entity) the seq part finds nothing.
_events = AuditEvent.__table__
_HEAD = select(_events.c.hash).order_by(_events.c.id.desc()).limit(1).scalar_subquery()
_LAST_SEQ = (
    select(func.max(_events.c.seq))
    .where(_events.c.entity_type == bindparam("entity_type"), _events.c.entity_id == bindparam("entity_id"))
    .scalar_subquery()
)
HEAD_AND_SEQ_QUERY = select(_HEAD, _LAST_SEQ)
COLUMNS = tuple(c.name for c in _events.columns if c.name != "id")
# inline: no RETURNING of the new id, which nobody reads.
INSERT_EVENT = insert(_events).inline()
# coalesce: current_schema() is NULL when no schema of the search path
# exists, and the (strict) lock function would then take no lock at all.
LOCK_CHAIN = text("SELECT pg_advisory_xact_lock(CAST(:k AS integer), hashtext(coalesce(current_schema(), '')))")


# One path on both databases: SQLAlchemy compiles each statement once per
# dialect, and an append sends the SQL to the DBAPI cursor of the session's
# own connection, in its transaction (app/driver.py): SQLAlchemy's execution
# machinery costs more per statement than the database takes to run it, and
# an append is on every step (figures in the README, "Benchmark: engine
# throughput").
@dataclass(frozen=True)
class AppendStatements:
    head_and_seq: DriverStatement
    insert: DriverStatement
    lock: DriverStatement | None  # PostgreSQL's advisory lock; SQLite has one writer


def append_statements(dialect) -> AppendStatements:
    return built_once(dialect, ("audit append",), lambda dialect: AppendStatements(
        head_and_seq=DriverStatement.compile(HEAD_AND_SEQ_QUERY, dialect),
        insert=DriverStatement.compile(INSERT_EVENT, dialect, column_keys=list(COLUMNS)),
        lock=DriverStatement.compile(LOCK_CHAIN, dialect) if dialect.name == "postgresql" else None,
    ))


# The order of locks, everywhere: THE CHAIN LOCK FIRST, then any row lock.
#
# Every writer appends to the chain, so every writer takes its lock before it
# commits. A writer that locked a row first (an UPDATE's flush, SELECT ... FOR
# UPDATE, refresh(..., with_for_update=True)) and only then waited for the
# chain could wait in a circle with one that holds the chain and wants that
# row: a case step that cancels two follow-ups against the timer firing one of
# them was such a deadlock on PostgreSQL. So: the engine's fire(), create()
# and field edits take it before their first flush, the timer before its
# claim (SELECT ... FOR UPDATE SKIP LOCKED), the statistics counters' flush
# listener before its UPSERT, and every refresh(..., with_for_update=True)
# or check-then-insert just before it. Taking it again in the same
# transaction costs nothing (remembered per transaction). A lock conflict
# that still happens is retried by the timer or answered 409 by a request
# (app.database.contention), never a 500.
def lock_chain(session, connection=None) -> None:
    """Take the chain lock for the rest of the session's transaction (see the
    order above). SQLite already has one writer (BEGIN IMMEDIATE); PostgreSQL
    takes a transaction-level advisory lock, released at COMMIT or ROLLBACK."""
    connection = connection or session.connection()
    lock = append_statements(connection.dialect).lock
    if lock is None:
        return
    if isinstance(session, scoped_session):
        session = session()
    transaction = session.get_transaction()
    if transaction is not None and session.info.get(_CHAIN_HELD) is transaction:
        return  # already held in this transaction
    lock.run(connection, {"k": CHAIN_LOCK_KEY})
    session.info[_CHAIN_HELD] = transaction


_CHAIN_HELD = "audit_chain_lock_held_in"


# The step whose effects are being applied (engine.fire): the events they
# record name it in their data as their cause, so that a history can show a
# step before what it set off (a follow-up planned by an agreement), although
# the step's own event is appended after its effects' (it records the row as
# they left it).
CAUSE = "_cause"
_cause: ContextVar[str | None] = ContextVar("audit_cause", default=None)


def event_key(entity_type: str, entity_id: int | None, trigger: str) -> str:
    return f"{entity_type}:{entity_id}:{trigger}"


@contextmanager
def caused_by(entity_type: str, entity_id: int | None, trigger: str):
    token = _cause.set(event_key(entity_type, entity_id, trigger))
    try:
        yield
    finally:
        _cause.reset(token)


def record(
    entity_type: str,
    entity_id: int | None,
    trigger: str,
    actor=None,
    *,
    from_state: str | None = None,
    to_state: str | None = None,
    reason: str | None = None,
    data: dict | None = None,
    at: datetime | None = None,
    session=None,
) -> str:
    """Append one event in the caller's transaction; returns its hash.
    The caller commits (or rolls back) together with the change it records.
    Personal fields of `data` are stored encrypted with the entity's data key
    (app/audit/personal.py), so that destroying the key erases them."""
    session = session or db.session
    at = at or clock.now()
    cause = _cause.get()
    if cause is not None:
        data = {**(data or {}), CAUSE: cause}
    actor_id = getattr(actor, "id", None)
    actor_role = getattr(actor, "role", None) or "anonymous"
    payload = canonical_json(data or {})
    # The session's connection, in the session's transaction (begun here if
    # need be); the audit table belongs to the default bind.
    connection = session.connection()
    statements = append_statements(connection.dialect)
    lock_chain(session, connection)
    if might_hold_personal(payload) and holds_personal(data):
        # Under the chain's lock: the subject's data key is made at most once.
        payload = canonical_json(seal(connection, entity_type, entity_id, data))
    prev_hash, last_seq = statements.head_and_seq.run(connection, {"entity_type": entity_type, "entity_id": entity_id})
    seq = None if entity_id is None else (last_seq or 0) + 1
    prev_hash = prev_hash or GENESIS
    fields = _fields(entity_type, entity_id, seq, trigger, from_state, to_state, actor_id, actor_role, at, reason, payload)
    digest = _append_hash(chain_key(), fields, prev_hash)
    statements.insert.run(connection, dict(fields, at=at, prev_hash=prev_hash, hash=digest))
    return digest


@dataclass
class Digest:
    events: int
    head: str

    def __str__(self) -> str:
        return f"audit-digest events={self.events} head={self.head}"

    @classmethod
    def parse(cls, line: str) -> Digest:
        parts = dict(p.split("=", 1) for p in line.strip().split()[1:] if "=" in p)
        if not line.strip().startswith("audit-digest") or "events" not in parts or "head" not in parts:
            raise ValueError("not an audit digest: expected 'audit-digest events=N head=HASH'")
        head = parts["head"]
        if len(head) != 64 or any(c not in "0123456789abcdef" for c in head):
            raise ValueError("the digest's head is not a 64-character hex hash")
        events = parts["events"]
        if not (events.isascii() and events.isdecimal() and len(events) <= 18):
            raise ValueError("the digest's event count is not a whole number of events")
        return cls(int(events), head)


def current_digest(session=None) -> Digest:
    session = session or db.session
    count = session.execute(select(func.count()).select_from(AuditEvent)).scalar()
    head = session.execute(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)).scalar()
    return Digest(count, head or GENESIS)
