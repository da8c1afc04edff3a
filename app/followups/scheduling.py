"""When follow-ups are planned, and the three moments each one carries.

A follow-up planned for a day becomes due when that day begins (local time),
is overdue once FOLLOWUP_GRACE_DAYS whole days have begun since (with the
default 3: it may be made on the planned day and the two after), and is
escalated to the street supervisor FOLLOWUP_ESCALATE_DAYS days later. The
moments are fixed when the follow-up is planned, so they do not drift with
the timer runner's schedule.
"""
from __future__ import annotations

from datetime import date, timedelta

from flask import current_app
from sqlalchemy import bindparam, select

from workflows.followup import OPEN

from .. import clock, engine
from ..extensions import db
from .models import FollowUp

# The case states in which an agreement is in force and being followed up.
AGREEMENT_STATES = ("agreed", "performing", "breached")


def moments(day: date) -> tuple:
    grace = int(current_app.config["FOLLOWUP_GRACE_DAYS"])
    escalate = int(current_app.config["FOLLOWUP_ESCALATE_DAYS"])
    return (clock.day_start(day), clock.day_start(day + timedelta(days=grace)),
            clock.day_start(day + timedelta(days=grace + escalate)))


def plan(dispute, kind: str, day: date, actor, now) -> FollowUp:
    """Create one follow-up through the engine, in the caller's transaction."""
    planned_for, visit_by, escalate_at = moments(day)
    followup = FollowUp(dispute_id=dispute.id, kind=kind, planned_for=planned_for, visit_by=visit_by,
                        escalate_at=escalate_at, created_by_id=actor.id, created_at=now)
    followup.dispute = dispute
    engine.create(followup, actor, {"dispute_id": dispute.id, "followup_kind": kind, "planned_for": day},
                  now=now, commit=False)
    return followup


def agreement_days(agreed_on: date, perform_by: date | None) -> list[tuple[str, date]]:
    """The follow-ups an agreement gets: one per FOLLOWUP_OFFSETS_DAYS after
    the day it was recorded, and one on its performance deadline (if it has
    one and FOLLOWUP_ON_PERFORMANCE_DEADLINE), one per day at most."""
    planned: dict[date, str] = {}
    for offset in current_app.config["FOLLOWUP_OFFSETS_DAYS"]:
        planned.setdefault(agreed_on + timedelta(days=int(offset)), "after_agreement")
    if perform_by is not None and current_app.config["FOLLOWUP_ON_PERFORMANCE_DEADLINE"]:
        planned[max(perform_by, agreed_on)] = "perform_by"
    return sorted(((kind, day) for day, kind in planned.items()), key=lambda item: item[1])


def schedule_for_agreement(dispute, actor, perform_by: date | None, now) -> list[FollowUp]:
    agreed_on = clock.local_date(now)
    return [plan(dispute, kind, day, actor, now) for kind, day in agreement_days(agreed_on, perform_by)]


# Built once: asked on every step that ends performance and by guards, and
# building the statement (and its cache key) cost more than running it.
_OPEN_OF_CASE = (
    select(FollowUp).where(FollowUp.dispute_id == bindparam("dispute_id"), FollowUp.state.in_(OPEN))
    .order_by(FollowUp.planned_for, FollowUp.id)
)


def open_followups(dispute_id: int) -> list[FollowUp]:
    rows = db.session.execute(_OPEN_OF_CASE, {"dispute_id": dispute_id}).scalars()
    # Rows changed in this transaction but not yet flushed keep their new
    # state in memory: a follow-up just recorded is no longer open.
    return [row for row in rows if row.is_open]


def open_days(dispute_id: int) -> set[date]:
    """The local days a case's open follow-ups are planned for: one visit a
    day, so that no day of a case is listed twice (agreement_days plans one
    per day; an extra one is refused on such a day)."""
    return {clock.local_date(row.planned_for) for row in open_followups(dispute_id)}


# Built once: every case page lists them.
_OF_CASE = select(FollowUp).where(FollowUp.dispute_id == bindparam("dispute_id")).order_by(FollowUp.planned_for, FollowUp.id)


def of_case(dispute_id: int) -> list[FollowUp]:
    return list(db.session.execute(_OF_CASE, {"dispute_id": dispute_id}).scalars())
