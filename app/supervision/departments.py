"""The departments' figures (issue 15): the referrals *sent* in the chosen
period, of the cases in the chosen place, by department and by local month
of sending, counted in SQL with GROUP BY:

- sent                  referrals sent in the period
- acknowledged on time  acknowledged no later than their acknowledgement deadline
- answered on time      answered (the latest answer, after any return) no later
                        than their answer deadline (the latest one: a return
                        sets a new one)
- returned              referrals returned for more work at least once
- average days to answer  from sending to the latest answer, over those answered
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, case, func, select

from .. import clock
from ..disputes.models import Dispute
from ..org.models import Department
from ..referrals.models import Referral
from .scope import Place, Scope
from .sql import days_between, local_month


@dataclass(frozen=True)
class DepartmentFigures:
    department: str
    month: str | None  # "YYYY-MM", or None for the department's whole period
    sent: int
    acknowledged_on_time: int
    answered_on_time: int
    returned: int
    mean_days_to_answer: float | None


def _flag(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


FIGURES = (
    func.count(Referral.id).label("sent"),
    _flag(and_(Referral.acknowledged_at.is_not(None), Referral.acknowledged_at <= Referral.ack_by)).label("ack"),
    _flag(and_(Referral.answered_at.is_not(None), Referral.answered_at <= Referral.answer_by)).label("answered"),
    _flag(Referral.returns > 0).label("returned"),
    func.avg(case((Referral.answered_at.is_not(None), days_between(Referral.sent_at, Referral.answered_at)),
                  else_=None)).label("days"),
)


def _figures(name, month, row) -> DepartmentFigures:
    return DepartmentFigures(name, month, int(row.sent), int(row.ack), int(row.answered), int(row.returned),
                             float(row.days) if row.days is not None else None)


def department_figures(session, scope: Scope, place: Place, date_from: date, date_to: date):
    """(totals by department, rows by department and month), departments in
    the order they were added, months in order."""
    where = [*scope.clauses(place), *clock.on_local_days(Referral.sent_at, date_from, date_to)]
    base = select(Department.id, Department.name).select_from(Referral).join(
        Dispute, Dispute.id == Referral.dispute_id).join(Department, Department.id == Referral.department_id)
    totals = [_figures(row.name, None, row) for row in session.execute(
        base.add_columns(*FIGURES).where(*where).group_by(Department.id, Department.name).order_by(Department.id))]
    month = local_month(Referral.sent_at, clock.utc_offset_hours()).label("month")
    monthly = [_figures(row.name, row.month, row) for row in session.execute(
        base.add_columns(month, *FIGURES).where(*where).group_by(Department.id, Department.name, month)
        .order_by(Department.id, month))]
    return totals, monthly
