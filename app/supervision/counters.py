"""Maintained counters of the statistics, so that a dashboard reads a few
thousand counter rows instead of every case of a province's year.

One table, `stat_counts`, keyed by (month of registration, community,
dimension, key), holds for each key how many cases were registered, accepted,
agreed, resolved on the spot and ended by a party's refusal, and how many
of the accepted are still being mediated now (in_mediation: without an
agreement, in a mediating state; a case leaves it on the step that ends its
mediation, so the dashboards' "still in mediation" is read here instead of
from the cases), and how many of the registered have not concluded yet
(unconcluded: without an agreement, awaiting acceptance or in a mediating
state: a rate none of whose cases has concluded reads "—", not 0.0%); for
the "total" dimension also how many are
closed, their days to close summed, the amounts of the agreements and how
many were registered from a screening sweep; the
"days" dimension counts closed cases by whole days to close (for the 90th
percentile). Dimensions: total (key ''), type, channel, days.

A second table, `stat_counts_street`, holds the same counters summed per
street (keyed by month, street, dimension, key): the city's dashboard and a
street's read a few thousand rows there instead of every community's (the
city's types alone are some 75,000 community rows over a province's year).
The same flush writes both, so they never disagree; a community, an area and
the exports that list every community read `stat_counts`.

The counters follow every change of a case in the same transaction: a
before_flush listener (attached by the package's init_app) compares each new or changed dispute's contribution
before and after (the old values from the attribute history, or from the
row as it stands in the database) and adds the difference with an UPSERT.
The same listener keeps the open cases' counters by deadline colour
(open_counts.py). Bulk SQL that bypasses the ORM must be followed by
`flask supervision rebuild-counters` (rebuild()), which recomputes both from
the cases (migrations 0007 and 0021 did the same once).
"""
from __future__ import annotations

import math
from collections import Counter, defaultdict
from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    Float, ForeignKey, Index, Integer, Numeric, String, column, delete, event, inspect, literal, select, table,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, Session, mapped_column
from sqlalchemy.orm.base import NO_VALUE, PASSIVE_NO_RESULT

from .. import clock
from ..audit.chain import lock_chain
from ..disputes.models import Dispute
from ..extensions import db
from . import open_counts

FIELDS = ("created_at", "street_id", "community_id", "dispute_type", "channel", "state", "file_seq", "agreed_at",
          "closed_at", "amount", "sweep_id", "agreed_amount", "refused_at", "due_at", "warn_at")
COUNTS = ("registered", "accepted", "agreements", "on_spot", "closed", "days_sum", "amount_sum", "amount_n",
          "from_sweeps", "agreed_sum", "agreed_n", "refused", "in_mediation", "unconcluded")
ON_SPOT_STATES = ("resolved_on_spot", "closed", "archived")
# The states of an accepted case whose mediation has not ended yet.
MEDIATING_STATES = ("accepted", "assigned", "mediating", "extended")
# The states of a case that has not concluded yet, agreement aside: awaiting
# acceptance (待受理) or being mediated. Every other state is an outcome
# (DOMAIN.md §4: on the spot, failed, refused, rejected, withdrawn; closed).
UNCONCLUDED_STATES = ("submitted",) + MEDIATING_STATES
MAX_DAYS = 3650  # longer closures are counted in the last bucket


class _Counts:
    """The figures each counter row holds, the same for a community's rows
    and a street's."""

    registered: Mapped[int] = mapped_column(Integer, default=0)
    accepted: Mapped[int] = mapped_column(Integer, default=0)
    agreements: Mapped[int] = mapped_column(Integer, default=0)
    on_spot: Mapped[int] = mapped_column(Integer, default=0)
    closed: Mapped[int] = mapped_column(Integer, default=0)
    days_sum: Mapped[float] = mapped_column(Float, default=0.0)
    amount_sum: Mapped[Decimal] = mapped_column(Numeric(18, 2), default=0)
    amount_n: Mapped[int] = mapped_column(Integer, default=0)
    from_sweeps: Mapped[int] = mapped_column(Integer, default=0)  # registered from a screening sweep
    # The amounts the agreements settled on (not the amounts claimed).
    agreed_sum: Mapped[Decimal] = mapped_column(Numeric(18, 2), default=0)
    agreed_n: Mapped[int] = mapped_column(Integer, default=0)
    # Mediation ended by a party's refusal (Mediation Law art. 26), of the accepted.
    refused: Mapped[int] = mapped_column(Integer, default=0)
    # Of the accepted, those still being mediated now (added by migration 0032 after the rows existed).
    in_mediation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Of the registered, those not concluded yet (added by migration 0036 after the rows existed).
    unconcluded: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class StatCount(_Counts, db.Model):
    __tablename__ = "stat_counts"
    # Each figure reads one dimension over a range of months: the key and the
    # indexes lead with the dimension, then the month (city), the street or
    # the community.
    dim: Mapped[str] = mapped_column(String(10), primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)  # 'YYYY-MM', local
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), primary_key=True)
    key: Mapped[str] = mapped_column(String(20), primary_key=True)
    street_id: Mapped[int] = mapped_column(ForeignKey("streets.id"))
    # Added to the table by a migration after its rows existed (hence the server default).
    refused: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    __table_args__ = (
        Index("ix_stat_counts_street", "dim", "street_id", "month"),
        Index("ix_stat_counts_community", "dim", "community_id", "month"),
    )


class StatCountStreet(_Counts, db.Model):
    """The counters of StatCount summed over each street's communities."""
    __tablename__ = "stat_counts_street"
    # The key serves the city (a dimension over a range of months, every
    # street); the index a street's own dashboard.
    dim: Mapped[str] = mapped_column(String(10), primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    street_id: Mapped[int] = mapped_column(ForeignKey("streets.id"), primary_key=True)
    key: Mapped[str] = mapped_column(String(20), primary_key=True)

    __table_args__ = (
        Index("ix_stat_counts_street_street", "dim", "street_id", "month"),
    )


def month_of(created_at: datetime) -> str:
    return clock.to_local(created_at).strftime("%Y-%m")


def contribution(v: dict) -> dict[tuple, tuple]:
    """What one case adds to the counters: {(month, community, street, dim,
    key): (registered, accepted, agreements, on_spot, closed, days_sum,
    amount_sum, amount_n, from_sweeps, agreed_sum, agreed_n, refused,
    in_mediation, unconcluded)}."""
    accepted = v["file_seq"] is not None
    agreed = accepted and v["agreed_at"] is not None
    on_spot = v["file_seq"] is None and v["agreed_at"] is None and v["state"] in ON_SPOT_STATES
    closed = v["closed_at"] is not None
    days = max((v["closed_at"] - v["created_at"]).total_seconds() / 86400, 0.0) if closed else 0.0
    amount = Decimal(v["amount"]) if agreed and v["amount"] is not None else None
    settled = Decimal(v["agreed_amount"]) if agreed and v["agreed_amount"] is not None else None
    refused = int(accepted and v["refused_at"] is not None)
    mediating = int(accepted and v["agreed_at"] is None and v["state"] in MEDIATING_STATES)
    pending = int(v["agreed_at"] is None and v["state"] in UNCONCLUDED_STATES)
    place = (month_of(v["created_at"]), v["community_id"], v["street_id"])
    flags = (1, int(accepted), int(agreed), int(on_spot))
    out = {
        place + ("total", ""): flags + (int(closed), days, amount or Decimal(0), int(amount is not None),
                                        int(v["sweep_id"] is not None), settled or Decimal(0),
                                        int(settled is not None), refused, mediating, pending),
        place + ("type", v["dispute_type"]): flags + (0, 0.0, Decimal(0), 0, 0, Decimal(0), 0, refused, mediating,
                                                      pending),
        place + ("channel", v["channel"]): flags + (0, 0.0, Decimal(0), 0, 0, Decimal(0), 0, refused, mediating,
                                                    pending),
    }
    if closed:
        out[place + ("days", str(min(math.floor(days), MAX_DAYS)))] = (0, 0, 0, 0, 1, 0.0, Decimal(0), 0, 0,
                                                                      Decimal(0), 0, 0, 0, 0)
    return out


def _values(obj) -> dict:
    return {name: getattr(obj, name) for name in FIELDS}


def _old_values(session, obj) -> dict | None:
    """The values the row has in the database now (before this flush)."""
    state = inspect(obj)
    old = {}
    for name in FIELDS:
        history = state.attrs[name].history
        if history.deleted:
            old[name] = history.deleted[0]
        elif history.unchanged:
            old[name] = history.unchanged[0]
        elif history.added:
            break  # changed, but the value before was never loaded: ask the database
        else:
            old[name] = getattr(obj, name)  # not loaded and not changed
    else:
        return old
    row = session.connection().execute(
        select(*(getattr(Dispute, name) for name in FIELDS)).where(Dispute.id == obj.id)).one_or_none()
    return dict(zip(FIELDS, row)) if row is not None else None


def _changed(state) -> list[str]:
    """The counted fields this flush changes: of the fields set since the
    row was loaded (the state's committed_state), those whose value differs
    from the loaded one, as their attribute history would tell
    (History.from_scalar_attribute: equal to the loaded value is no change,
    nor an unset field that was never loaded), without building a History
    per field: the listener runs on every flush."""
    committed = state.committed_state
    if not committed:
        return []
    loaded, manager = state.dict, state.manager
    changed = []
    for name in _FIELD_SET.intersection(committed):
        before, now = committed[name], loaded.get(name, NO_VALUE)
        if now is NO_VALUE:
            if before is not NO_VALUE and before is not PASSIVE_NO_RESULT:
                changed.append(name)  # a loaded value unset
        elif manager[name].impl.is_equal(now, before) is not True:
            changed.append(name)
    return changed


_FIELD_SET = frozenset(FIELDS)


def _counted_change(obj) -> bool:
    """Whether this flush changes what the counters count of the case: a
    counted field, other than a change of state alone between states
    neither counter tells apart (_state_change_not_counted)."""
    state = inspect(obj)
    changed = _changed(state)
    return bool(changed) and not (changed == ["state"] and _state_change_not_counted(obj, state))


def _state_change_not_counted(obj, state) -> bool:
    """True when the flush changes only the case's state, between two states
    neither counter tells apart: contribution() reads the state only as "in
    ON_SPOT_STATES or not", "in MEDIATING_STATES or not" and "in
    UNCONCLUDED_STATES or not", the open cases'
    counters as open or not, late or not. Most steps (urge, breach, extend,
    start mediation, assign...) are such a change, and the listener runs on every flush:
    it then skips reading the old values and computing two contributions
    that cancel out (bench/engine.py). The caller has found that the state
    is the only counted field changed."""
    before = state.committed_state.get("state", NO_VALUE)
    if before is NO_VALUE or before is PASSIVE_NO_RESULT:
        return False  # the old state was never loaded
    after = obj.state
    return ((before in ON_SPOT_STATES) == (after in ON_SPOT_STATES)
            and (before in MEDIATING_STATES) == (after in MEDIATING_STATES)
            and (before in UNCONCLUDED_STATES) == (after in UNCONCLUDED_STATES)
            and open_counts.state_kind(before) == open_counts.state_kind(after))


def _add(total: dict, part: dict, sign: int) -> None:
    for key, vector in part.items():
        current = total[key]
        total[key] = tuple(a + sign * b for a, b in zip(current, vector))


ZERO = (0, 0, 0, 0, 0, 0.0, Decimal(0), 0, 0, Decimal(0), 0, 0, 0, 0)


def per_street(deltas: dict) -> dict:
    """The deltas (or counters) keyed by (month, street, dim, key), summed
    over the communities."""
    streets: dict = defaultdict(lambda: ZERO)
    for (month, _community_id, street_id, dim, key), vector in deltas.items():
        current = streets[month, street_id, dim, key]
        streets[month, street_id, dim, key] = tuple(a + b for a, b in zip(current, vector))
    return streets


def apply(connection, deltas: dict) -> None:
    """Add the deltas to both tables: one multi-row UPSERT each, rows in key
    order (every writer takes the community rows, then the street rows, in
    the same order), none when every delta is zero."""
    changed = {place: vector for place, vector in deltas.items() if any(vector)}
    # (month, community, street, dim, key): the table's key order leaves the street out.
    rows = [dict(month=month, community_id=community_id, street_id=street_id, dim=dim, key=key,
                 **dict(zip(COUNTS, vector)))
            for (month, community_id, street_id, dim, key), vector
            in sorted(changed.items(), key=lambda kv: kv[0][:2] + kv[0][3:])]
    if not rows:
        return
    _upsert(connection, StatCount.__table__, ["dim", "month", "community_id", "key"], rows)
    streets = per_street(changed)
    rows = [dict(month=month, street_id=street_id, dim=dim, key=key, **dict(zip(COUNTS, vector)))
            for (month, street_id, dim, key), vector in sorted(streets.items()) if any(vector)]
    if rows:  # a case moved between two communities of one street leaves its street's counters as they were
        _upsert(connection, StatCountStreet.__table__, ["dim", "month", "street_id", "key"], rows)


def _upsert(connection, table, index_elements: list[str], rows: list[dict]) -> None:
    insert = pg_insert if connection.dialect.name == "postgresql" else sqlite_insert
    statement = insert(table).values(rows)
    statement = statement.on_conflict_do_update(index_elements=index_elements, set_=_added(insert, table))
    connection.execute(statement)


_ADDED: dict = {}


def _added(insert, table) -> dict:
    """SET counter = counter + excluded.counter, built once a dialect and
    table: building the twelve expressions took a third of an UPSERT's
    time in the listener, on every counted flush."""
    key = (insert, table.name)
    if key not in _ADDED:
        excluded = insert(table).excluded
        _ADDED[key] = {name: table.c[name] + excluded[name] for name in COUNTS}
    return _ADDED[key]


def follow_cases(session, flush_context, instances) -> None:
    """Before each flush: the statistics' counters and the open cases'
    counters (open_counts.py) take each new, changed or deleted case's
    contribution after the flush less its contribution before."""
    deltas: dict = defaultdict(lambda: ZERO)
    open_deltas: Counter = Counter()
    for obj in session.new:
        if isinstance(obj, Dispute):
            values = _values(obj)
            _add(deltas, contribution(values), +1)
            open_counts.add(open_deltas, values, +1)
    for obj in session.dirty:
        if isinstance(obj, Dispute) and _counted_change(obj):
            old = _old_values(session, obj)
            if old is not None:
                _add(deltas, contribution(old), -1)
                open_counts.add(open_deltas, old, -1)
            values = _values(obj)
            _add(deltas, contribution(values), +1)
            open_counts.add(open_deltas, values, +1)
    for obj in session.deleted:
        if isinstance(obj, Dispute):
            old = _old_values(session, obj)
            if old is not None:
                _add(deltas, contribution(old), -1)
                open_counts.add(open_deltas, old, -1)
    if deltas or open_deltas:
        connection = session.connection()
        # Take the audit chain's lock first (PostgreSQL; SQLite has one
        # writer): every writer then takes the chain, then counter rows, in
        # that order, so two steps can never wait for each other in a circle.
        lock_chain(session, connection)
        apply(connection, deltas)
        open_counts.apply(connection, open_deltas)


def follow_every_session() -> None:
    """Attach follow_cases to every session's flushes; attaching it again (a
    second app in one process) changes nothing."""
    if not event.contains(Session, "before_flush", follow_cases):
        event.listen(Session, "before_flush", follow_cases)


def rebuild(session=None, batch: int = 5000) -> int:
    """Recompute every counter from the cases (the statistics' and the open
    cases'), in the session's transaction; returns how many cases were
    counted."""
    session = session or db.session
    counted = rebuild_on(session.connection(), batch)
    open_counts.rebuild_on(session.connection(), batch)
    return counted


def rebuild_on(connection, batch: int = 5000) -> int:
    """The same on a bare connection (the migration's). Reads the cases in
    batches of ids."""
    # An earlier migration (0007) calls this on the schema of its day: a
    # column added since is read as empty and its counter left out, a table
    # made since (the streets', 0023) left alone.
    inspector = inspect(connection)
    have = {c["name"] for c in inspector.get_columns("disputes")}
    counted_columns = {c["name"] for c in inspector.get_columns("stat_counts")}
    with_streets = inspector.has_table(StatCountStreet.__tablename__)
    street_columns = {c["name"] for c in inspector.get_columns("stat_counts_street")} if with_streets else set()
    connection.execute(delete(StatCount.__table__))
    if with_streets:
        connection.execute(delete(StatCountStreet.__table__))
    columns = [Dispute.id] + [getattr(Dispute, name) if name in have else literal(None).label(name)
                              for name in FIELDS]
    totals: dict = defaultdict(lambda: ZERO)
    last, counted = 0, 0
    while True:
        rows = connection.execute(select(*columns).where(Dispute.id > last).order_by(Dispute.id).limit(batch)).all()
        if not rows:
            break
        for row in rows:
            _add(totals, contribution(dict(zip(FIELDS, row[1:]))), +1)
        last, counted = rows[-1][0], counted + len(rows)
    # The table is empty: plain inserts, many rows a statement.
    rows = [dict(month=month, community_id=community_id, street_id=street_id, dim=dim, key=key,
                 **{name: value for name, value in zip(COUNTS, vector) if name in counted_columns})
            for (month, community_id, street_id, dim, key), vector in totals.items()]
    for start in range(0, len(rows), batch):
        connection.execute(_as_made(StatCount.__table__, counted_columns).insert(), rows[start:start + batch])
    if with_streets:
        rows = [dict(month=month, street_id=street_id, dim=dim, key=key,
                     **{name: value for name, value in zip(COUNTS, vector) if name in street_columns})
                for (month, street_id, dim, key), vector in per_street(totals).items()]
        for start in range(0, len(rows), batch):
            connection.execute(_as_made(StatCountStreet.__table__, street_columns).insert(), rows[start:start + batch])
    return counted


def _as_made(model, columns: set):
    """A lightweight table of the counter columns a migration has made so
    far (and the keys): the model's would add its Python defaults for the
    columns made since."""
    return table(model.name, *(column(c.name, c.type) for c in model.columns if c.name in columns or c.name not in COUNTS))
