"""Referrals on the today page (installed by the package's init_app)."""
from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _, ngettext
from sqlalchemy import or_, select
from sqlalchemy.orm import contains_eager, joinedload

from workflows.referral import OPEN

from ..disputes.models import Dispute
from ..disputes.scope import scope_clause
from ..engine.deadlines import colour, late_states
from ..engine.urgings import standing
from ..extensions import db
from ..i18n import translate
from ..today import ESCALATED_REFERRAL, TodayItem, rest_items, section_totals
from .models import Referral
from .naming import missed_deadline, referral_name

# The first ones by due time; the rest are counted in their sections and lead to the referrals list.
LIMIT = 200


def referrals_due(user, now, until) -> list[TodayItem]:
    """A liaison's open referrals; a supervisor's escalated ones in their
    street; a mediator's answers waiting to be checked."""
    # The department and the case's community joined in: a row is named by them (naming.py; one statement still).
    query = select(Referral).join(Dispute, Dispute.id == Referral.dispute_id).options(
        contains_eager(Referral.dispute).joinedload(Dispute.community), joinedload(Referral.department))
    late = late_states(Referral.__workflow__)
    if user.role == "liaison":
        query = query.where(Referral.department_id == user.department_id, Referral.state.in_(OPEN),
                            Referral.state.not_in(("draft", "answered")),
                            or_(Referral.due_at < until, Referral.state.in_(late)))
    elif user.role == "supervisor":
        query = query.where(scope_clause(user), Referral.state.in_(late))
    elif user.role == "mediator":
        query = query.where(scope_clause(user), Referral.state == "answered")
    else:
        return []
    rows = db.session.execute(query.order_by(Referral.due_at, Referral.id).limit(LIMIT + 1)).scalars().all()
    urged = standing(Referral, rows[:LIMIT])
    # A supervisor's are the late ones, waiting on their push: the first thing on the page.
    escalation = ESCALATED_REFERRAL if user.role == "supervisor" else 0
    items = [TodayItem(kind="referral", title=_title(row, user), due_at=row.due_at, colour=colour(row, now),
                       url=url_for("referrals.show", referral_id=row.id), detail=_detail(row),
                       open_since=row.sent_at, urged=urged.get(row.id), escalation=escalation)
             for row in rows[:LIMIT]]
    if len(rows) > LIMIT:
        items += rest_items(items, section_totals(query, Referral, now, open_since=Referral.sent_at), now,
                            lambda count, section: _rest_of_list(count, section, escalation))
    return items


def _title(row, user) -> str:
    """Named as the referrals list names it; the centre's staff are told the department too (a liaison's
    rows are all their own department's)."""
    if user.role == "liaison":
        return referral_name(row)
    return _("Referral %(referral)s to %(department)s", referral=referral_name(row), department=row.department.name)


def _detail(row) -> str:
    """Its state, and for an escalated one (no deadline running) the one it missed."""
    state = translate(row.__workflow__.state(row.state).label)
    missed = missed_deadline(row)
    return f"{state} · {missed}" if missed else state


def _rest_of_list(count: int, section: str, escalation: int) -> TodayItem:
    return TodayItem("referral", ngettext("%(num)d more referral: see the referrals list",
                                          "%(num)d more referrals: see the referrals list", count),
                     None, "red" if section == "overdue" else None, url_for("referrals.index"),
                     count=count, section=section, escalation=escalation)
