"""A case's personal data at the end of its retention period (PIPL).

A case is kept until the end of the centre's year RETENTION_YEARS after the
year it was closed (the case file says so on its cover; a rejected or
withdrawn case counts from the day it ended). After that, crypto-shredding
(app/audit/retention.py) destroys the audit keys of the case and of its
related rows (the rows its timeline shows), so the log's copies of ID
numbers and phones can no longer be read, and blanks the parties' ID numbers
and phones here, so that they are nowhere in the database. The case, its
parties' names and its history stay.
"""
from __future__ import annotations

from datetime import date, datetime

from flask import current_app
from sqlalchemy import func, select

from .. import clock
from ..audit.retention import install_shredder, not_shredded, shred_due
from ..engine.core import SYSTEM_ACTOR
from ..engine.timers import install_job
from ..extensions import db
from ..timeline import subjects
from .models import Dispute

ENDED = ("closed", "archived", "rejected", "withdrawn")
ERASED_FIELDS = ("id_number", "phone")
SHRED_JOB = "cases shredded (retention ended)"


def retention_cutoff(now: datetime) -> datetime:
    """Cases that ended before this UTC instant are past retention at `now`:
    the start of the centre's year (this year - RETENTION_YEARS)."""
    year = clock.local_date(now).year - current_app.config["RETENTION_YEARS"]
    return clock.day_start(date(year, 1, 1))


def due(now: datetime) -> list[int]:
    ended_at = func.coalesce(Dispute.closed_at, Dispute.state_entered_at)
    return list(db.session.execute(
        select(Dispute.id).where(Dispute.state.in_(ENDED), ended_at < retention_cutoff(now),
                                 not_shredded("dispute", Dispute.id)).order_by(Dispute.id)
    ).scalars())


def erase(case_id: int, actor, now) -> tuple[list, dict]:
    """Blank the parties' ID numbers and phones (sealed cases included:
    this is the law's erasure, not an edit) and name the related rows."""
    dispute = db.session.get(Dispute, case_id)
    if dispute is None:
        raise LookupError(f"no case #{case_id}")
    blanked = []
    for party in dispute.parties:
        if any(getattr(party, name) is not None for name in ERASED_FIELDS):
            for name in ERASED_FIELDS:
                setattr(party, name, None)
            blanked.append(party.id)
    db.session.flush()
    others = [(kind, i) for kind, ids in subjects(dispute).items() for i in ids if (kind, i) != ("dispute", case_id)]
    return others, {"party_ids": blanked, "fields": list(ERASED_FIELDS)}


def shred_due_cases(now) -> int:
    """The timer job: every case past retention, each in its own transaction."""
    return shred_due("dispute", SYSTEM_ACTOR, None, now=now)


def init_app(app) -> None:
    install_shredder("dispute", due=due, erase=erase)
    install_job(SHRED_JOB, shred_due_cases)
