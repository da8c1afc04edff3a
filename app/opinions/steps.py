"""Asking a lawyer for a legal opinion and the later steps of a request: the
services the views call. Every state change goes through the engine."""
from __future__ import annotations

from .. import clock, engine
from ..audit.chain import lock_chain
from ..engine.errors import Forbidden, NotAllowed
from ..extensions import db
from ..rota.models import Lawyer
from .models import LegalOpinion
from .rules import conflicts_for_record, conflicts_of, expired_message, own_request


def ask(dispute, lawyer: Lawyer, actor, *, question: str, override_reason: str | None = None,
        now=None) -> LegalOpinion:
    """Create the request with the conflict check's findings and take the
    "request" step, in one transaction: a refused request leaves nothing."""
    now = now or clock.now()
    try:
        # The case and the lawyer as they are now, under the chain lock: a step
        # ending the case (or taking the lawyer off the roster) committed since
        # the page read them is seen by the guards, and one not yet committed
        # waits for this request and then withdraws it (PostgreSQL; SQLite
        # writers already queue on BEGIN IMMEDIATE).
        lock_chain(db.session)  # the chain lock before any row lock (app/audit/chain.py)
        db.session.refresh(dispute, with_for_update=True)
        db.session.refresh(lawyer)
        row = LegalOpinion(dispute_id=dispute.id, lawyer_id=lawyer.id, created_at=now,
                           conflicts=conflicts_of(lawyer, dispute))
        row.dispute, row.lawyer = dispute, lawyer
        engine.create(row, actor, {"lawyer_id": lawyer.id}, now=now, commit=False)
        data = {"question": (question or "").strip()}
        if row.conflicts:
            data["conflicts"] = conflicts_for_record(row.conflicts)
            data["override_reason"] = (override_reason or "").strip() or None
        engine.fire(row, "request", actor, now=now, **data)
    except Exception:
        db.session.rollback()
        raise
    return row


def act(row: LegalOpinion, trigger: str, actor, reason: str | None = None, *, expected_version=None, now=None,
        **data) -> LegalOpinion:
    """One step on a request, with the plain answers a lawyer needs before
    the engine's general ones."""
    problem = own_request(row, actor, data)
    if problem:
        raise Forbidden(problem)
    if trigger in ("accept", "decline", "answer") and row.state == "expired":
        raise NotAllowed(expired_message(row))
    return engine.fire(row, trigger, actor, reason, expected_version=expected_version, now=now, **data)
