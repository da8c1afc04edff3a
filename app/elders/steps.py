"""Inviting an elder and the later steps of an invitation: the services the
views call. Every state change goes through the engine."""
from __future__ import annotations

from datetime import datetime

from .. import clock, engine
from ..audit.chain import lock_chain
from ..engine.errors import Forbidden, NotAllowed
from ..extensions import db
from . import times
from .candidates import conflicts_of, ranked_one
from .explain import conflicts_for_record
from .models import Elder, ElderAssignment
from .rules import expired_message, on_behalf, own_invitation


def invite(dispute, elder: Elder, actor, *, session_at: datetime, session_place: str | None = None,
           override_reason: str | None = None, now: datetime | None = None) -> ElderAssignment:
    """Record the suggestion (the elder's rank, score and conflicts as they
    stand now) and invite the elder, in one transaction: a refused
    invitation leaves nothing behind."""
    now = now or clock.now()
    session_at = session_at.replace(second=0, microsecond=0)  # planned to the minute, as the form offers
    try:
        # Two mediators inviting at once must not both take an elder's last
        # place (PostgreSQL; SQLite writers already queue on BEGIN IMMEDIATE).
        lock_chain(db.session)  # the chain lock before any row lock (app/audit/chain.py)
        # The case as it is now, too: a step ending it that committed since the
        # page read it is seen by the guards (the case must still be open).
        db.session.refresh(dispute, with_for_update=True)
        db.session.refresh(elder, with_for_update=True)
        suggestion = ranked_one(elder, dispute, clock.local_date(session_at), now)
        conflicts = conflicts_of(elder, dispute)
        assignment = ElderAssignment(
            dispute_id=dispute.id, elder_id=elder.id, created_at=now, conflicts=conflicts,
            rank=suggestion.position if suggestion else None, score=suggestion.ranked.score if suggestion else None,
            factors=[f.as_dict() for f in suggestion.ranked.factors] if suggestion else [],
        )
        assignment.dispute, assignment.elder = dispute, elder
        engine.create(assignment, actor, {"elder": elder.name, "elder_id": elder.id, "rank": assignment.rank,
                                          "score": assignment.score}, now=now, commit=False)
        data = {"session_at": times.local_iso(session_at), "session_place": (session_place or "").strip() or None}
        if conflicts:
            data["conflicts"] = conflicts_for_record(conflicts)
            data["override_reason"] = (override_reason or "").strip() or None
        engine.fire(assignment, "invite", actor, now=now, **data)
    except Exception:
        db.session.rollback()
        raise
    return assignment


def act(assignment: ElderAssignment, trigger: str, actor, reason: str | None = None, *, expected_version=None,
        now=None, **data) -> ElderAssignment:
    """One step on an invitation, with the plain answers an elder needs
    before the engine's general ones. A step a mediator records for the
    elder says so in its note and names the elder in its data."""
    problem = own_invitation(assignment, actor, data)
    if problem:
        raise Forbidden(problem)
    if trigger in ("accept", "decline", "record_accept", "record_decline") and assignment.state == "expired":
        raise NotAllowed(expired_message(assignment))
    if trigger in ("record_no_show", "reschedule"):  # the note is optional: none rather than blank
        reason = (reason or "").strip() or None
    if trigger == "reschedule":
        data = new_plan(assignment, **data)
    reason, recorded = on_behalf(assignment, trigger, reason)
    data.update(recorded)
    return engine.fire(assignment, trigger, actor, reason, expected_version=expected_version, now=now, **data)


def new_plan(assignment: ElderAssignment, *, session_at, session_place=None, **data) -> dict:
    """What a move of the session records: the new time (to the minute, in
    local time with its offset, as inviting records it) and place, and the
    ones they replace, so that the log and the elder's notice say both."""
    planned = times.to_utc(session_at)
    if planned is not None:
        planned = planned.replace(second=0, microsecond=0)
    return {**data, "session_at": times.local_iso(planned) if planned is not None else session_at,
            "session_place": (session_place or "").strip() or None,
            "previous_session_at": times.local_iso(assignment.session_at) if assignment.session_at else None,
            "previous_session_place": assignment.session_place}


def reschedule(assignment: ElderAssignment, actor, *, session_at: datetime, session_place: str | None = None,
               reason: str | None = None, expected_version=None, now=None) -> ElderAssignment:
    """Move the planned session of an invitation not yet in session (the
    mediator's step; `session_at` naive UTC or with its offset)."""
    return act(assignment, "reschedule", actor, reason, expected_version=expected_version, now=now,
               session_at=session_at, session_place=session_place)
