"""Crypto-shredding at the end of retention: a subject's data keys destroyed
(app/audit/personal.py), its live personal fields blanked, one audited step.

The audit core knows no case: a domain installs, from its init_app, what a
subject of its type is (`install_shredder`): which ids' retention has ended
at a moment, and how to blank the personal fields of its live rows (it names
the further subjects whose keys go with it, e.g. a case's related rows, and
what it blanked, for the audit event). `shred` and `shred_due` serve both the
`flask audit shred` command and the timer job.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from sqlalchemy import exists, select

from .. import clock
from ..extensions import db
from .chain import lock_chain, record
from .models import AuditKey
from .personal import destroy_key, is_destroyed

SHRED = "shred"


@dataclass(frozen=True)
class Shredder:
    # due(now) -> ids whose retention has ended at `now` (shredded ones may be among them)
    due: Callable
    # erase(subject_id, actor, now) -> (further subjects [(type, id)], summary dict for the audit event);
    # blanks the live personal fields in the caller's transaction; LookupError when there is no such subject
    erase: Callable


SHREDDERS: dict[str, Shredder] = {}


def install_shredder(subject_type: str, *, due: Callable, erase: Callable) -> None:
    """Let `flask audit shred` and the timer job erase subjects of this type.
    Installing the same functions again (a second app in one process)
    changes nothing; others under a taken type are a mistake."""
    shredder = Shredder(due, erase)
    if SHREDDERS.get(subject_type, shredder) != shredder:
        raise ValueError(f"a shredder for {subject_type!r} is installed twice")
    SHREDDERS[subject_type] = shredder


def not_shredded(subject_type: str, id_column):
    """A WHERE clause: the subject has not been shredded (for due())."""
    return ~exists().where(AuditKey.subject_type == subject_type, AuditKey.subject_id == id_column,
                           AuditKey.destroyed_at.is_not(None))


def shred(subject_type: str, subject_id: int, actor, reason: str, *, now=None, session=None) -> bool:
    """Erase one subject's personal data for good, in one transaction that
    the caller commits: blank its live fields, destroy its key and those of
    the subjects that go with it, record the step. False (nothing done) when
    it was shredded already; LookupError when there is no such subject."""
    shredder = SHREDDERS.get(subject_type)
    if shredder is None:
        raise LookupError(f"nothing of type {subject_type!r} can be shredded")
    session = session or db.session
    now = now or clock.now()
    connection = session.connection()
    lock_chain(session, connection)  # two runners shred one subject once
    if is_destroyed(connection, subject_type, subject_id):
        return False
    others, summary = shredder.erase(subject_id, actor, now)
    destroyed = []
    for kind, other_id in [(subject_type, subject_id), *others]:
        if destroy_key(connection, kind, other_id, now):
            destroyed.append(f"{kind}#{other_id}")
    record(subject_type, subject_id, SHRED, actor, reason=reason, at=now, session=session,
           data=dict(summary, keys_destroyed=destroyed))
    return True


def shred_due(subject_type: str, actor, reason: str, *, now=None, on_done=None) -> int:
    """Shred every subject of the type whose retention has ended, each in
    its own transaction (one failing is rolled back and re-raised after the
    rest). Returns how many were shredded."""
    now = now or clock.now()
    shredder = SHREDDERS[subject_type]
    done, failure = 0, None
    for subject_id in shredder.due(now):
        try:
            if shred(subject_type, subject_id, actor, reason, now=now):
                done += 1
                if on_done:
                    on_done(subject_id)
            db.session.commit()
        except Exception as error:  # noqa: BLE001 - reported after the others
            db.session.rollback()
            failure = failure or error
    if failure is not None:
        raise failure
    return done


def shredded_subjects(subject_type: str, session=None) -> set[int]:
    session = session or db.session
    return set(session.execute(select(AuditKey.subject_id).where(
        AuditKey.subject_type == subject_type, AuditKey.destroyed_at.is_not(None))).scalars())
