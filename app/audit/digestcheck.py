"""Compare the log with a digest kept earlier (`audit-digest events=N
head=HASH`): the log must still hold N events, and its N-th event must still
have that hash. Says plainly which way it fails."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from ..extensions import db
from .chain import GENESIS, Digest
from .models import AuditEvent


@dataclass
class Comparison:
    ok: bool
    reason: str  # "match", "fewer_events" or "different_hash"
    events_now: int


def compare(digest: Digest, session=None) -> Comparison:
    session = session or db.session
    count = session.execute(select(func.count()).select_from(AuditEvent)).scalar()
    if digest.events > count:
        return Comparison(False, "fewer_events", count)
    if digest.events == 0:
        head = GENESIS
    else:
        head = session.execute(
            select(AuditEvent.hash).order_by(AuditEvent.id).limit(1).offset(digest.events - 1)
        ).scalar()
    if head != digest.head:
        return Comparison(False, "different_hash", count)
    return Comparison(True, "match", count)
