"""The closure history: closed and archived cases of the user's scope,
newest closure first, with filters, a page at a time; the same query feeds
the CSV and XLSX exports.

A case is in the history while it is closed or archived (`closed_at` set:
a case returned by its supervisor is back in mediation and leaves the list
until it is closed again). Its outcome is the one its latest sign-off review
recorded (from the state it was closed from); for a case closed before
reviews existed it is read from the row: no file number means resolved on
the spot, a route told means failed, else an agreement.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, case, func, literal, select
from sqlalchemy.orm import aliased, joinedload, selectinload

from .. import clock
from ..disputes.models import Dispute
from ..paging import Page, page_of
from .models import SignOff
from .scope import Place, Scope
from .sql import days_between

CLOSED_STATES = ("closed", "archived")


@dataclass
class ClosureFilters:
    date_from: object = None  # closing dates, local
    date_to: object = None
    dispute_type: str | None = None
    channel: str | None = None
    outcome: str | None = None
    review: str | None = None  # awaiting / signed_off / none
    days_min: int | None = None
    days_max: int | None = None


@dataclass
class Row:
    dispute: Dispute
    review: SignOff | None
    outcome: str
    days: float

    @property
    def handler(self):
        """Who handled the case: its mediator, or (a case resolved on the
        spot has none) whoever closed it, a grid worker or the mediator who
        registered it; None for a case closed before reviews kept that."""
        if self.dispute.assignee is not None:
            return self.dispute.assignee
        return self.review.closed_by if self.review is not None else None


# The latest review of each case, joined to it (its closer loaded from it: a module-level alias, so that the
# page's loader options can name it).
REVIEW = aliased(SignOff, name="review")


def _latest_round():
    return (select(func.max(SignOff.round)).where(SignOff.dispute_id == Dispute.id)
            .correlate(Dispute).scalar_subquery())


def closure_query(scope: Scope, place: Place, f: ClosureFilters):
    review = REVIEW
    derived = case((Dispute.file_no.is_(None), literal("on_spot")), (Dispute.refused_at.is_not(None), literal("refused")),
                   (Dispute.route.is_not(None), literal("failed")), else_=literal("agreement"))
    outcome = func.coalesce(review.outcome, derived).label("outcome")
    days = days_between(Dispute.created_at, Dispute.closed_at).label("days")
    query = (
        select(Dispute, review, outcome, days)
        .outerjoin(review, and_(review.dispute_id == Dispute.id, review.round == _latest_round()))
        .where(Dispute.closed_at.is_not(None), Dispute.state.in_(CLOSED_STATES), *scope.clauses(place))
    )
    query = query.where(*clock.on_local_days(Dispute.closed_at, f.date_from, f.date_to))
    if f.dispute_type:
        query = query.where(Dispute.dispute_type == f.dispute_type)
    if f.channel:
        query = query.where(Dispute.channel == f.channel)
    if f.outcome:
        query = query.where(func.coalesce(review.outcome, derived) == f.outcome)
    if f.review == "none":
        query = query.where(review.id.is_(None))
    elif f.review:
        query = query.where(review.state == f.review)
    if f.days_min is not None:
        query = query.where(days_between(Dispute.created_at, Dispute.closed_at) >= f.days_min)
    if f.days_max is not None:
        query = query.where(days_between(Dispute.created_at, Dispute.closed_at) <= f.days_max)
    return query


ORDER = (Dispute.closed_at.desc(), Dispute.id.desc())
# Each row's place, mediator and closer, in statements of their own.
ROW_LOADS = (selectinload(Dispute.community), selectinload(Dispute.grid), selectinload(Dispute.assignee),
             selectinload(REVIEW.closed_by))


def _rows(result) -> list[Row]:
    return [Row(d, r, outcome, float(days or 0)) for d, r, outcome, days in result]


def page(session, scope, place, f, number: int, per_page: int) -> Page:
    # A page's places, mediators and closers joined into its statement (one of each a case): four
    # statements fewer than selectinload, which loads them past the first pages (paging.JOINED_PAGES) and
    # for an export's thousands of rows (all_rows).
    found = page_of(closure_query(scope, place, f), ORDER, number, per_page, scalars=False, session=session,
                    options=(joinedload(Dispute.community), joinedload(Dispute.grid), joinedload(Dispute.assignee),
                             joinedload(REVIEW.closed_by)),
                    deep_options=ROW_LOADS)
    found.rows = _rows(found.rows)
    return found


def all_rows(session, scope, place, f, limit: int) -> tuple[list[Row], bool]:
    """Every matching row for an export, up to `limit`; (rows, cut off)."""
    result = session.execute(
        closure_query(scope, place, f).order_by(*ORDER)
        .options(*ROW_LOADS)
        .limit(limit + 1)
    ).all()
    return _rows(result[:limit]), len(result) > limit
