"""Making a referral: checked, created and sent in one transaction."""
from __future__ import annotations

from sqlalchemy import bindparam, or_, select
from sqlalchemy.exc import IntegrityError

from .. import engine
from ..engine.errors import GuardFailed
from ..extensions import db
from ..org.models import Department
from .models import Referral
from .rules import NOT_CASE_MEDIATOR, by_case_mediator, department_refusal


# Built once (every case page a mediator may refer from reads it).
_COVERING = (select(Department).where(Department.active.is_(True),
                                      or_(Department.street_id.is_(None), Department.street_id == bindparam("street_id")))
             .order_by(Department.street_id.is_not(None), Department.id))


def departments_for(dispute) -> list[Department]:
    """The active departments that cover the case's street: its own and the city's."""
    return list(db.session.execute(_COVERING, {"street_id": dispute.street_id}).scalars())


def by_submission(token: str | None) -> Referral | None:
    """The referral a form (identified by its one-time token) created."""
    if not token:
        return None
    return db.session.execute(select(Referral).where(Referral.submission_token == token)).scalar_one_or_none()


def refer(dispute, department_id: int, kind: str, request: str, actor, now, *,
          submission_token: str | None = None) -> Referral:
    """Create the referral and send it; GuardFailed (nothing written) when
    the actor or the department may not take it. A form sent twice, even at
    the same moment, gives back the referral the first one made, and
    nothing more is written."""
    existing = by_submission(submission_token)
    if existing is not None and existing.dispute_id == dispute.id:
        return existing
    if not by_case_mediator(dispute, actor):
        raise GuardFailed(NOT_CASE_MEDIATOR)
    department = db.session.get(Department, department_id) if department_id else None
    problem = department_refusal(department, dispute)
    if problem:
        raise GuardFailed(problem)
    referral = Referral(dispute=dispute, department=department, kind=kind, request=request.strip(),
                        created_by_id=actor.id, created_at=now, returns=0, submission_token=submission_token)
    try:
        engine.create(referral, actor, {"department": department.name, "kind": kind, "request": referral.request},
                      now=now, commit=False)
        engine.fire(referral, "send", actor, now=now, commit=False)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        existing = by_submission(submission_token)
        if existing is None or existing.dispute_id != dispute.id:
            raise
        return existing
    except Exception:
        db.session.rollback()
        raise
    return referral
