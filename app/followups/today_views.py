"""The today page: everything due for the user, from every domain's
provider (app/today.py), as overdue / today / this week; and this package's
providers (follow-ups, sweeps)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import render_template, url_for
from flask_babel import format_date, gettext as _
from flask_login import current_user
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import contains_eager, selectinload

from workflows import ROLES
from workflows.followup import OPEN

from .. import clock
from ..auth.access import roles_required
from ..disputes.models import Dispute
from ..disputes.scope import scope_clause
from ..engine.deadlines import colour, late_states
from ..extensions import db
from ..i18n import translate
from ..today import TodayItem, items_for, provider
from .models import FollowUp, Sweep
from .periods import day_starts_at, local_date
from .scope import COMMUNITY_STAFF, STREET_STAFF, works_on_clause
from .views import bp

# How far back a missed sweep still shows as work: it can be recorded late.
MISSED_SWEEPS_SHOWN = timedelta(days=35)


@dataclass
class Sections:
    overdue: list
    today: list
    week: list


def sections(items: list[TodayItem], now, end_of_today) -> Sections:
    """Red items are overdue; items due before the day ends, or open for
    work since earlier (a follow-up on its planned day), are today's; the
    rest are this week's."""
    result = Sections([], [], [])
    for item in items:
        if item.colour == "red":
            result.overdue.append(item)
        elif (item.due_at is not None and item.due_at <= end_of_today) or (
                item.open_since is not None and item.open_since <= now):
            result.today.append(item)
        else:
            result.week.append(item)
    return result


@bp.route("/today")
@roles_required(*ROLES)
def today():
    now = clock.now()
    today_local = local_date(now)
    end_of_today = day_starts_at(today_local + timedelta(days=1))
    # Today and the six days after; a second more, for what is due at the very
    # end of the last day (a weekly sweep's period ends at midnight).
    items = items_for(current_user, now, end_of_today + timedelta(days=6, seconds=1))
    return render_template("followups/today.html", sections=sections(items, now, end_of_today),
                           today=today_local, count=len(items))


# Providers ----------------------------------------------------------------------

def _followup_title(row: FollowUp) -> str:
    return _("Follow-up of case %(case)s", case=row.dispute.title)


def _followup_detail(row: FollowUp) -> str:
    state = translate(row.__workflow__.state(row.state).label)
    return _("%(state)s · planned for %(day)s", state=state, day=format_date(local_date(row.planned_for), "medium"))


@provider("followup")
def followups_due(user, now, until) -> list[TodayItem]:
    """A mediator's follow-ups of the cases they work on; a supervisor's
    escalated follow-ups in their street."""
    if user.role not in ("mediator", "supervisor"):
        return []
    query = (select(FollowUp).join(Dispute, Dispute.id == FollowUp.dispute_id)
             .where(scope_clause(user), FollowUp.state.in_(OPEN))
             .options(contains_eager(FollowUp.dispute)))
    late = late_states(FollowUp.__workflow__)
    if user.role == "mediator":
        query = query.where(works_on_clause(user), or_(FollowUp.due_at < until, FollowUp.state.in_(late)))
    else:
        query = query.where(FollowUp.state == "escalated")
    rows = db.session.execute(query.order_by(FollowUp.due_at, FollowUp.id).limit(200)).scalars()
    # A late follow-up's own due time is its escalation; the user needs the deadline it missed.
    return [TodayItem(kind="followup", title=_followup_title(row),
                      due_at=row.visit_by if row.state in late else row.due_at, colour=colour(row, now),
                      url=url_for("followups.show", followup_id=row.id), detail=_followup_detail(row),
                      open_since=row.planned_for if row.state != "scheduled" else None)
            for row in rows]


@provider("sweep")
def sweeps_due(user, now, until) -> list[TodayItem]:
    """The sweeps this user records that are due this week or were missed
    lately; a supervisor also sees the communities' missed sweeps."""
    if user.role in COMMUNITY_STAFF and user.community_id:
        mine = and_(Sweep.level == "community", Sweep.community_id == user.community_id)
    elif user.role in STREET_STAFF and user.street_id:
        mine = and_(Sweep.level == "street", Sweep.street_id == user.street_id)
    else:
        return []
    watched = mine
    if user.role == "supervisor":
        watched = or_(mine, and_(Sweep.street_id == user.street_id, Sweep.state == "missed"))
    query = select(Sweep).where(watched, or_(
        and_(Sweep.state == "planned", Sweep.due_at < until),
        and_(Sweep.state == "missed", Sweep.period_ends_at >= now - MISSED_SWEEPS_SHOWN),
    )).options(selectinload(Sweep.community), selectinload(Sweep.street))
    rows = db.session.execute(query.order_by(Sweep.period_start, Sweep.id).limit(200)).scalars()
    return [TodayItem(kind="sweep", title=_("Sweep of %(place)s", place=row.place_name), due_at=row.period_ends_at,
                      colour=colour(row, now), url=url_for("followups.sweep", sweep_id=row.id),
                      detail=_("%(state)s · %(first)s to %(last)s", state=translate(
                          row.__workflow__.state(row.state).label), first=format_date(row.period_start, "medium"),
                          last=format_date(row.period_end, "medium")),
                      )
            for row in rows]


