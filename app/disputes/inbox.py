"""A mediator's inbox: what waits for any mediator of their community, most
urgent first: the reports to accept (待受理), and the accepted cases that have
no mediator yet (受理后待指派: accepted on the case page and not assigned, or
back after a recusal), which no "my cases" lists while their 30 days run. "My cases", "today" and the
navigation's count all read it; one query per request (kept on `g`), with the
community and grid joined in, so that showing it in three places costs the
page one statement (ix_disputes_community_state serves it)."""
from __future__ import annotations

from functools import lru_cache

from flask import g, has_request_context, url_for
from flask_babel import gettext as _, ngettext
from sqlalchemy import and_, bindparam, func, or_, select
from sqlalchemy.orm import joinedload

from ..engine.deadlines import colour, urgency_order
from ..engine.urgings import standing
from ..extensions import db
from ..i18n import current_locale
from ..notifications.service import UNREAD, remember_unread
from ..today import TodayItem
from . import codes
from .models import Dispute
from .scope import scope_clause
from .scope_rule import scope_rule

WAITING_STATE = "submitted"
UNASSIGNED_STATE = "accepted"  # accepted, the mediator not yet assigned
# The inbox shows this many; the count reads "50+" beyond (the full list is a filter away).
LIMIT = 50


def has_inbox(user) -> bool:
    return getattr(user, "role", None) == "mediator" and bool(getattr(user, "community_id", None))


def _waiting_clauses(user) -> tuple:
    """The reports waiting for `user`'s community: the list's (the count,
    `_count_statement`, applies the same scope rule)."""
    return scope_clause(user), waiting_clause()


def waiting_clause():
    return or_(Dispute.state == WAITING_STATE,
               and_(Dispute.state == UNASSIGNED_STATE, Dispute.assignee_id.is_(None)))


def inbox_query(user, now):
    return (select(Dispute)
            .where(*_waiting_clauses(user))
            .options(joinedload(Dispute.community), joinedload(Dispute.grid))
            .order_by(*urgency_order(Dispute, now))
            .limit(LIMIT + 1))


def waiting(user, now) -> list[Dispute]:
    """Up to LIMIT + 1 waiting reports (one more tells that there are more)."""
    if not has_inbox(user):
        return []
    cache = g.setdefault("dispute_inbox", {}) if has_request_context() else {}
    if user.id not in cache:
        cache[user.id] = list(db.session.execute(inbox_query(user, now)).unique().scalars())
    return cache[user.id]


@lru_cache(maxsize=8)
def _count_statement(column: str):
    """The count of the reports waiting in one scope (its value in the
    parameter "scope") with the user's unread notifications. Built once per
    scope column: every page of a mediator reads it."""
    ids = (select(Dispute.id).where(getattr(Dispute, column) == bindparam("scope"), waiting_clause())
           .limit(LIMIT + 1))
    return select(select(func.count()).select_from(ids.subquery()).scalar_subquery(), UNREAD)


def waiting_count(user) -> int:
    """How many reports wait, up to LIMIT + 1: the list's length when this
    request has read it; else a count of ids that loads no row (the case page
    and every other page show only the number), read in one statement with
    the user's unread notifications, which the navigation shows next (handed
    to the notifications with `remember_unread`): one statement on every
    mediator page instead of two."""
    if not has_inbox(user):
        return 0
    cache = g.get("dispute_inbox", {}) if has_request_context() else {}
    if user.id in cache:
        return len(cache[user.id])
    column, value = scope_rule(user)  # a mediator of a community (has_inbox): their community's cases
    count, unread = db.session.execute(_count_statement(column),
                                       {"scope": value, "unread_user_id": user.id}).one()
    remember_unread(user, unread)
    return count


def inbox_count_text(user) -> str:
    """The navigation's count: "" when nothing waits, "50+" beyond the limit."""
    count = waiting_count(user)
    if not count:
        return ""
    return f"{LIMIT}+" if count > LIMIT else str(count)


def today_items(user, now, until) -> list[TodayItem]:
    """The today page's inbox: every waiting report, whatever its due time
    (a report is work from the moment it arrives); beyond LIMIT, one item
    counting the rest, which leads to the whole inbox on "my cases"."""
    locale = current_locale()
    reports = waiting(user, now)
    urged = standing(Dispute, reports[:LIMIT])  # a supervisor pressed for these first
    items = [
        TodayItem("inbox", _title(d, locale), d.due_at, colour(d, now),
                  url_for("disputes.show", case_id=d.id),
                  detail=d.community.name + (f" · {d.grid.name}" if d.grid else ""), open_since=d.created_at,
                  inbox=True, urged=urged.get(d.id))
        for d in reports[:LIMIT]
    ]
    if len(reports) > LIMIT:
        rest = db.session.execute(select(func.count(Dispute.id)).where(*_waiting_clauses(user))).scalar() - LIMIT
        items.append(TodayItem("inbox", ngettext("%(num)d more case waits for acceptance or a mediator: see “My cases”",
                                                 "%(num)d more cases wait for acceptance or a mediator: see “My cases”",
                                                 rest),
                               None, colour(reports[LIMIT], now),  # the most urgent of the rest
                               url_for("disputes.mine"), inbox=True, count=rest))
    return items


def _title(d: Dispute, locale: str) -> str:
    case = f"{d.title} · {codes.label(codes.DISPUTE_TYPES, d.dispute_type, locale)}"
    if d.state == UNASSIGNED_STATE:
        return _("Case %(case)s is accepted and has no mediator: assign one", case=case)
    return _("New report %(case)s: accept or decline", case=case)
