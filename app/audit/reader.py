"""The audit log read at full speed: plain tuples from the driver, in large
batches, no ORM objects (building one cost more than checking its hash)."""
from __future__ import annotations

from collections import namedtuple
from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import bindparam, select

from ..driver import DriverStatement, built_once
from .chain import EVENT_COLUMNS
from .models import AuditEvent

_events = AuditEvent.__table__
_READ = (
    select(*(_events.c[name] for name in EVENT_COLUMNS))
    .where(_events.c.id > bindparam("after"))
    .order_by(_events.c.id)
)
_READ_RANGE = _READ.where(_events.c.id <= bindparam("upto"))
BATCH = 20000
Event = namedtuple("Event", EVENT_COLUMNS)
AT = EVENT_COLUMNS.index("at")


def read_rows(connection, after_id: int = 0, upto_id: int | None = None) -> Iterator[tuple]:
    """The events with after_id < id <= upto_id (no upper bound when None),
    in order, as the driver's tuples (EVENT_COLUMNS; `at` as SQLite stores
    it, text, or a datetime), fetched BATCH rows at a time on `connection`
    (a SQLAlchemy Connection or Session), with a server-side cursor on
    PostgreSQL."""
    if not hasattr(connection, "dialect"):
        connection = connection.connection()  # a Session: its connection, in its transaction
    dialect = connection.dialect
    statement = _read_statement(dialect, upto_id is not None)
    dbapi_connection = connection.connection
    if dialect.name == "postgresql":
        cursor = dbapi_connection.cursor(name="audit_verify")
        cursor.itersize = BATCH
    else:
        cursor = dbapi_connection.cursor()
    try:
        cursor.execute(statement.sql, statement.params({"after": after_id, "upto": upto_id}))
        while batch := cursor.fetchmany(BATCH):
            yield from batch
    finally:
        cursor.close()


def read_events(session, after_id: int = 0) -> Iterator[Event]:
    """Every event after `after_id`, in order, with named fields, `at` a
    datetime as the ORM would give it."""
    make = Event._make
    for values in read_rows(session, after_id):
        at = values[AT]
        if isinstance(at, str):  # SQLite hands over the stored text
            values = (*values[:AT], datetime.fromisoformat(at), *values[AT + 1:])
        yield make(values)


def _read_statement(dialect, bounded: bool) -> DriverStatement:
    return built_once(dialect, ("audit read", bounded),
                      lambda dialect: DriverStatement.compile(_READ_RANGE if bounded else _READ, dialect))


def row_name(row) -> str:
    """An event named in a problem, from a row read as EVENT_COLUMNS."""
    return f"audit row id={row[0]} ({row[1]} #{row[2]}, {row[4]})"
