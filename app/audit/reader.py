"""The audit log read at full speed: plain tuples from the driver, in large
batches, no ORM objects (building one cost more than checking its hash)."""
from __future__ import annotations

from collections import namedtuple
from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import bindparam, select

from .chain import EVENT_COLUMNS, DriverStatement
from .models import AuditEvent

_events = AuditEvent.__table__
_READ = (
    select(*(_events.c[name] for name in EVENT_COLUMNS))
    .where(_events.c.id > bindparam("after"))
    .order_by(_events.c.id)
)
BATCH = 20000
Event = namedtuple("Event", EVENT_COLUMNS)


def read_events(session, after_id: int = 0) -> Iterator[Event]:
    """Every event after `after_id`, in order, fetched BATCH rows at a time on
    the session's own connection (a server-side cursor on PostgreSQL)."""
    connection = session.connection()
    dialect = connection.dialect
    statement = _read_statement(dialect)
    dbapi_connection = connection.connection
    if dialect.name == "postgresql":
        cursor = dbapi_connection.cursor(name="audit_verify")
        cursor.itersize = BATCH
    else:
        cursor = dbapi_connection.cursor()
    at_index = EVENT_COLUMNS.index("at")
    try:
        cursor.execute(statement.sql, statement.params({"after": after_id}))
        make = Event._make
        while batch := cursor.fetchmany(BATCH):
            for values in batch:
                at = values[at_index]
                if isinstance(at, str):  # SQLite hands over the stored text: read as the ORM would
                    values = (*values[:at_index], datetime.fromisoformat(at), *values[at_index + 1:])
                yield make(values)
    finally:
        cursor.close()


_compiled: dict = {}


def _read_statement(dialect) -> DriverStatement:
    key = (type(dialect), dialect.paramstyle)
    if key not in _compiled:
        _compiled[key] = DriverStatement.compile(_READ, dialect)
    return _compiled[key]


def row_name(row) -> str:
    return f"audit row id={row.id} ({row.entity_type} #{row.entity_id}, {row.trigger})"
