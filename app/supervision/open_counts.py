"""Maintained counters of the open cases and their deadline colour (蓝黄红),
so that a dashboard does not count a province's open cases on every request.

A case's colour depends on the time, its counter row must not: the table
`open_counts` keeps how many cases have each *shape*, (community, street,
open?, late state?, local day of due_at, local day of warn_at), and the
colour is worked out when the figures are read, for the day `now` falls on:

    a late state                                          red
    due day before today                                  red
    due day after today, warn day before today            yellow
    due day and warn day after today                      blue
    due day after today, no warn_at (an old row)          none
    no deadline                                           none
    due day today, or due later and warn day today        counted from the cases

Only that last set (the cases due or turning yellow today) is counted from
the cases themselves, with the exact `colour_clause`, through the indexes
(place, due_at, warn_at) and, for the city, (due_at, warn_at) and (warn_at,
due_at): a day's worth of cases. So the
figures are those of the live query at any `now`, to the second.

Besides the open cases, a case in another state that still has a due time
is kept too (flagged not open): the live query colours it without counting
it as open, and so do the counters. Dispute has no late states today; the
flag is kept so that the rule stays the engine's rule if one is added.

The rows are kept by counters.py's before_flush listener, in the same
transaction and after the same lock as the statistics' counters; bulk SQL
must be followed by `flask supervision rebuild-counters` (rebuild_on),
which migration 0021 also ran once. A row whose count falls to 0 stays
until the next rebuild (a few per community and day).
"""
from __future__ import annotations

from collections import Counter
from datetime import date, datetime
from functools import cache
from types import SimpleNamespace

from sqlalchemy import (
    Boolean, Date, ForeignKey, Index, Integer, and_, bindparam, case, delete, func, insert, not_, or_, select, true,
    union_all,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, mapped_column

from .. import clock
from ..disputes.lists import OPEN_STATES
from ..disputes.models import Dispute
from ..disputes.scope_rule import EVERYTHING, scope_rule
from ..engine.deadlines import COLOURS, NO_DEADLINE, colour_clause, late_states
from ..extensions import db

# A key column of a primary key cannot be NULL: "no due/warn time" is this day.
NO_DAY = date(1, 1, 1)
LATE_STATES = late_states(Dispute.__workflow__)
# What a case's shape is read from.
FIELDS = ("community_id", "street_id", "state", "due_at", "warn_at")


class OpenCount(db.Model):
    __tablename__ = "open_counts"
    # A community's rows lead the key (a community's dashboard); a street's
    # and the city's read their rows through the street index or whole.
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), primary_key=True)
    street_id: Mapped[int] = mapped_column(ForeignKey("streets.id"), primary_key=True)
    is_open: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    late: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    due_day: Mapped[date] = mapped_column(Date, primary_key=True)  # local; NO_DAY: none
    warn_day: Mapped[date] = mapped_column(Date, primary_key=True)  # local; NO_DAY: none
    n: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (Index("ix_open_counts_street", "street_id", "community_id"),)


def _day(moment: datetime | None) -> date:
    return NO_DAY if moment is None else clock.local_date(moment)


def state_kind(state: str) -> tuple[bool, bool]:
    """What these counters read of a state: open?, late?"""
    return state in OPEN_STATES, state in LATE_STATES


def shape(v: dict) -> tuple | None:
    """The key a case with these values is counted under, or None when no
    figure of open cases or colours can count it (ended, no deadline)."""
    is_open, late = state_kind(v["state"])
    if not (is_open or late or v["due_at"] is not None):
        return None
    return (v["community_id"], v["street_id"], is_open, late, _day(v["due_at"]), _day(v["warn_at"]))


def add(deltas: Counter, v: dict | None, sign: int) -> None:
    key = shape(v) if v is not None else None
    if key is not None:
        deltas[key] += sign


def apply(connection, deltas: Counter) -> None:
    """Add the deltas with one UPSERT (in key order, as every writer does,
    so that two writers lock shared rows in the same order)."""
    rows = [dict(zip(("community_id", "street_id", "is_open", "late", "due_day", "warn_day"), key), n=n)
            for key, n in sorted(deltas.items()) if n]
    if not rows:
        return
    table = OpenCount.__table__
    upsert = (pg_insert if connection.dialect.name == "postgresql" else sqlite_insert)(table).values(rows)
    connection.execute(upsert.on_conflict_do_update(
        index_elements=["community_id", "street_id", "is_open", "late", "due_day", "warn_day"],
        set_={"n": table.c.n + upsert.excluded.n}))


def rebuild_on(connection, batch: int = 5000) -> int:
    """Recompute every row from the cases (the migration's bare connection,
    or the session's); returns how many cases were counted. Reads only the
    cases that can count, in batches of ids."""
    connection.execute(delete(OpenCount.__table__))
    columns = [Dispute.id] + [getattr(Dispute, name) for name in FIELDS]
    counting = or_(Dispute.state.in_(OPEN_STATES + LATE_STATES), Dispute.due_at.is_not(None))
    totals: Counter = Counter()
    last, counted = 0, 0
    while True:
        rows = connection.execute(select(*columns).where(Dispute.id > last, counting)
                                  .order_by(Dispute.id).limit(batch)).all()
        if not rows:
            break
        for row in rows:
            add(totals, dict(zip(FIELDS, row[1:])), +1)
        last, counted = rows[-1][0], counted + len(rows)
    rows = [dict(zip(("community_id", "street_id", "is_open", "late", "due_day", "warn_day"), key), n=n)
            for key, n in totals.items() if n]
    for start in range(0, len(rows), batch):
        connection.execute(insert(OpenCount.__table__), rows[start:start + batch])
    return counted


def can_serve(scope, place) -> bool:
    """The counters know streets and communities (hence areas and the city),
    not grids or mediators; a user whose scope is a community or a grid is
    counted from the cases too (scope.clauses knows only streets for a
    table other than the cases')."""
    if place.grid_id is not None or place.mediator_id is not None:
        return False
    rule = scope_rule(scope.user)
    return rule is EVERYTHING or (rule is not None and rule[0] == "street_id")


def _flag(condition):
    return func.coalesce(func.sum(case((condition, OpenCount.n), else_=0)), 0)


@cache
def _counted_colours() -> tuple:
    """The counters' open cases and colours on the day bound as "today":
    built once, as every dashboard view reads them."""
    c, today = OpenCount, bindparam("today", type_=Date())
    later = and_(not_(c.late), c.due_day > today)  # NO_DAY is never after today
    return (_flag(c.is_open).label("open"),
            _flag(or_(c.late, and_(c.due_day != NO_DAY, c.due_day < today))).label("red"),
            _flag(and_(later, c.warn_day != NO_DAY, c.warn_day < today)).label("yellow"),
            _flag(and_(later, c.warn_day > today)).label("blue"))


def counted_open_by_colour(session, scope, place, now: datetime) -> dict[str, int]:
    """Open cases by colour at `now`, as stats.live_open_by_colour counts
    them, from the counters and today's cases (see the module's table)."""
    today = clock.local_date(now)
    start, end = clock.day_start(today), clock.day_end(today)
    row = session.execute(select(*_counted_colours()).where(*scope.clauses(place, model=OpenCount)),
                          {"today": today}).one()
    # Today's cases, counted from the cases: those due today, and those
    # turning yellow today and due later. The place goes into each branch so
    # that each branch is a range of one index (see the module's docstring).
    # The two sets are disjoint (due before the day's end, or at or after
    # it): a UNION ALL of two index ranges, each read from an index that
    # holds both times (ix_disputes_due_warn, ix_disputes_warn_due: an
    # index-only scan), where an OR of the two made PostgreSQL fetch a day's
    # worth of table rows (37 ms for the city at a million cases).
    where = scope.clauses(place)
    not_late = Dispute.state.not_in(LATE_STATES) if LATE_STATES else true()
    columns = [Dispute.due_at, Dispute.warn_at] + ([Dispute.state] if LATE_STATES else [])
    todays = union_all(
        select(*columns).where(*where, not_late, Dispute.due_at >= start, Dispute.due_at < end),
        select(*columns).where(*where, not_late, Dispute.warn_at >= start, Dispute.warn_at < end,
                               Dispute.due_at >= end),
    ).subquery("todays")
    read = SimpleNamespace(due_at=todays.c.due_at, warn_at=todays.c.warn_at,
                           state=todays.c.state if LATE_STATES else Dispute.state, __workflow__=Dispute.__workflow__)
    live = session.execute(select(
        *(func.coalesce(func.sum(case((colour_clause(read, colour, now), 1), else_=0)), 0) for colour in COLOURS)
    )).one()
    counts = {colour: int(getattr(row, colour)) + int(extra) for colour, extra in zip(COLOURS, live)}
    counts[NO_DEADLINE] = int(row.open) - sum(counts.values())
    return counts
