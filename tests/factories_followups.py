"""Builders for follow-up, sweep and notification tests. Call inside an app context."""
from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from app import clock, engine
from app.audit.models import AuditEvent
from app.extensions import db
from app.followups.models import FollowUp
from app.notifications.models import Notification
from app.sweeps.models import Sweep
from app.clock import local_date
from tests import factories as f

AGREEMENT = {
    "form": "written", "terms": "被申请人于三月二十日前赔偿维修费两千元。", "main_facts": "楼上漏水致楼下受损",
    "matters": "维修费用由谁承担", "responsibilities": "楼上住户负全部责任", "perform_how": "一次性现金支付",
    "perform_where": "社区调解室",
}


def mediating_case(mediator, grid, now: datetime):
    """A case the mediator leads, in mediation."""
    d = f.dispute(mediator, grid, now=now)
    return f.walk(d, mediator, "accept", "assign", "start_mediation", now=now)


def agreed_case(mediator, grid, now: datetime, perform_by: date | None = date(2026, 3, 20)):
    """A case whose agreement the mediator records at `now`: written, with a
    performance deadline, or oral (no deadline) when perform_by is None."""
    d = mediating_case(mediator, grid, now)
    if perform_by is not None:
        # Within the agreement's own day and three years after (app/disputes/rules.py refuses others).
        day = local_date(now)
        if not day <= perform_by <= day + timedelta(days=3 * 365):
            perform_by = day + timedelta(days=18)
    data = dict(AGREEMENT, perform_by=perform_by) if perform_by else {"form": "oral", "terms": "口头约定，三日内清理杂物"}
    engine.fire(d, "agree", mediator, now=now, **data)
    return d


def followups_of(dispute_id: int) -> list[FollowUp]:
    return list(db.session.execute(
        select(FollowUp).where(FollowUp.dispute_id == dispute_id).order_by(FollowUp.planned_for, FollowUp.id)
    ).scalars())


def notifications_for(user_id: int, kind: str | None = None) -> list[Notification]:
    query = select(Notification).where(Notification.user_id == user_id)
    if kind:
        query = query.where(Notification.kind == kind)
    return list(db.session.execute(query.order_by(Notification.id)).scalars())


def count(model) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar()


def events(entity_type: str, entity_id: int | None = None) -> list[AuditEvent]:
    query = select(AuditEvent).where(AuditEvent.entity_type == entity_type)
    if entity_id is not None:
        query = query.where(AuditEvent.entity_id == entity_id)
    return list(db.session.execute(query.order_by(AuditEvent.seq)).scalars())


def sweeps(**where) -> list[Sweep]:
    query = select(Sweep)
    for name, value in where.items():
        query = query.where(getattr(Sweep, name) == value)
    return list(db.session.execute(query.order_by(Sweep.period_start, Sweep.place_key)).scalars())


def visit(followup, mediator, fulfilment="fully", **extra):
    visited_on = extra.pop("visited_on", None) or local_date(clock.now())
    data = {"method": "visit", "fulfilment": fulfilment, "visited_on": visited_on,
            "reached": "双方当事人", "satisfaction": "satisfied", "notes": "", "mark_fulfilled": False}
    data.update(extra)
    return engine.fire(followup, "record_visit", mediator, **data)
