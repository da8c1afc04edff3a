"""A supervisor's overdue cases on the today page: the open cases of their
street (the whole city for a city supervisor) whose deadline has passed
(red, by `colour_clause`, the rule the case list's "overdue" filter applies),
most overdue first.

Only red: the today page's "overdue" section is the red items of every
domain, and a street's at-risk (yellow) cases are the mediators' work on
their own today pages; a supervisor finds them with the case list's filter.
Only states with a deadline carry a due_at (the engine clears it in the
others), so a red case is an open one.

One statement, whatever the number of cases: the first LIMIT + 1 cases
(one more tells that there are more), their community and grid joined in,
and beside each row a count of the scope's overdue cases bounded at
COUNT_CAP + 1 (as the inbox bounds its count), which the item for the rest
of the list shows ("1000+" beyond), and the urgings (督办) standing on it. The street's (street_id, due_at,
warn_at) index serves the list and the count (the count from the index
alone); the city's, the due_at index every workflow row has (its mixin)."""
from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _, ngettext
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from ..engine.deadlines import colour, colour_clause
from ..engine.urgings import standing_columns, urged_of
from ..extensions import db
from ..i18n import current_locale
from ..today import OVERDUE_CASE, TodayItem
from . import codes
from .models import Dispute
from .scope import scope_clause

KIND = "overdue_case"
# The page lists this many; the rest are one item that leads to the case list filtered on "overdue".
LIMIT = 20
# The rest are counted up to this many; beyond it the item says "1000+".
COUNT_CAP = 1000


def overdue_query(user, now):
    red = (scope_clause(user), colour_clause(Dispute, "red", now))
    bounded = select(Dispute.id).where(*red).limit(COUNT_CAP + 1).subquery()
    total = select(func.count()).select_from(bounded).scalar_subquery()
    # The urgings standing on each (a supervisor does not urge a case twice by mistake), in the same statement.
    urged_count, urged_last = standing_columns(Dispute)
    return (select(Dispute, total.label("total"), urged_count.label("urged_count"), urged_last.label("urged_last"))
            .where(*red)
            .options(joinedload(Dispute.community), joinedload(Dispute.grid))
            .order_by(Dispute.due_at, Dispute.id)
            .limit(LIMIT + 1))


def today_items(user, now, until) -> list[TodayItem]:
    """The overdue cases of a supervisor's scope, each red; beyond LIMIT, one
    item counting the rest, which leads to the case list's overdue filter."""
    if getattr(user, "role", None) != "supervisor":
        return []
    rows = db.session.execute(overdue_query(user, now)).unique().all()
    if not rows:
        return []
    locale = current_locale()
    items = [
        TodayItem(KIND, _("Case %(case)s is overdue", case=d.title), d.due_at, colour(d, now),
                  url_for("disputes.show", case_id=d.id), detail=_detail(d, locale), urged=urged_of(count, last),
                  escalation=OVERDUE_CASE)
        for d, _total, count, last in rows[:LIMIT]
    ]
    if len(rows) > LIMIT:
        total = rows[0].total
        rest = total - LIMIT
        shown = f"{rest}+" if total > COUNT_CAP else str(rest)
        items.append(TodayItem(KIND, ngettext("%(shown)s more overdue case: see the case list",
                                              "%(shown)s more overdue cases: see the case list", rest, shown=shown),
                               None, "red", url_for("disputes.index", colour="red"), count=rest,
                               section="overdue", escalation=OVERDUE_CASE))
    return items


def _detail(d: Dispute, locale: str) -> str:
    """What the case is about and where: the title reads "case X is overdue"."""
    parts = (codes.label(codes.DISPUTE_TYPES, d.dispute_type, locale), d.community.name, d.grid.name if d.grid else None)
    return " · ".join(p for p in parts if p)
