"""Making a referral: checked, created and sent in one transaction."""
from __future__ import annotations

from sqlalchemy import or_, select

from .. import engine
from ..engine.errors import GuardFailed
from ..extensions import db
from ..org.models import Department
from .models import Referral
from .rules import NOT_CASE_MEDIATOR, by_case_mediator, department_refusal


def departments_for(dispute) -> list[Department]:
    """The active departments that cover the case's street: its own and the city's."""
    return list(db.session.execute(
        select(Department).where(Department.active.is_(True),
                                 or_(Department.street_id.is_(None), Department.street_id == dispute.street_id))
        .order_by(Department.street_id.is_not(None), Department.id)
    ).scalars())


def refer(dispute, department_id: int, kind: str, request: str, actor, now) -> Referral:
    """Create the referral and send it; GuardFailed (nothing written) when
    the actor or the department may not take it."""
    if not by_case_mediator(dispute, actor):
        raise GuardFailed(NOT_CASE_MEDIATOR)
    department = db.session.get(Department, department_id) if department_id else None
    problem = department_refusal(department, dispute)
    if problem:
        raise GuardFailed(problem)
    referral = Referral(dispute=dispute, department=department, kind=kind, request=request.strip(),
                        created_by_id=actor.id, created_at=now, returns=0)
    try:
        engine.create(referral, actor, {"department": department.name, "kind": kind, "request": referral.request},
                      now=now, commit=False)
        engine.fire(referral, "send", actor, now=now, commit=False)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return referral
