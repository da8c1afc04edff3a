from datetime import datetime

from sqlalchemy import DateTime, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


class AuditEvent(db.Model):
    """One step of history. Append-only: database triggers refuse UPDATE and
    DELETE, and each row's keyed hash covers the previous row's hash."""

    __tablename__ = "audit_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    entity_type: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int | None]
    seq: Mapped[int | None]
    trigger: Mapped[str] = mapped_column(String(60))
    from_state: Mapped[str | None] = mapped_column(String(40))
    to_state: Mapped[str | None] = mapped_column(String(40))
    actor_id: Mapped[int | None] = mapped_column(index=True)
    actor_role: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(DateTime, index=True)
    reason: Mapped[str | None] = mapped_column(Text)
    data: Mapped[str] = mapped_column(Text)  # canonical JSON, hashed as stored
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)

    __table_args__ = (
        UniqueConstraint("entity_type", "entity_id", "seq"),
        Index("ix_audit_events_trigger_at", "trigger", "at"),
    )


class AuditKey(db.Model):
    """The data key of one subject (a case, a lawyer...): personal fields in
    its audit events are encrypted with it (app/audit/personal.py). Stored
    wrapped (AES-GCM) under a key-encryption key derived from the settings.
    Destroying it (`wrapped` emptied, `destroyed_at` set) erases those fields
    for good while the events, and so the chain, stay as they were."""

    __tablename__ = "audit_keys"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    subject_type: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[int]
    wrapped: Mapped[bytes | None] = mapped_column(LargeBinary)  # nonce + AES-GCM(KEK, data key)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    destroyed_at: Mapped[datetime | None] = mapped_column(DateTime)

    __table_args__ = (UniqueConstraint("subject_type", "subject_id"),)


class AuditCheckpoint(db.Model):
    """The chain as it stood after `events` events: the id and hash of the
    last one, signed (HMAC-SHA256, AUDIT_CHECKPOINT_KEY) once everything after
    the previous checkpoint had been checked. The routine check starts from
    the newest one instead of the first event (app/audit/checkpoints.py)."""

    __tablename__ = "audit_checkpoints"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    events: Mapped[int] = mapped_column(unique=True)
    last_id: Mapped[int]
    head: Mapped[str] = mapped_column(String(64))
    made_at: Mapped[datetime] = mapped_column(DateTime)
    signature: Mapped[str] = mapped_column(String(64))
