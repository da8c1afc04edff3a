"""Database connection settings that make an acknowledged step durable.

SQLite: WAL journal with synchronous=FULL (a committed step survives a power
cut), foreign keys on, a busy timeout, and writing transactions that take the
write lock at BEGIN (BEGIN IMMEDIATE) so that two writers queue up instead of
one failing half-way when it first writes. Read-only requests (GET pages) begin
deferred so that they do not queue behind writers.

A read-only check of the whole log (`flask audit verify`, `flask audit
digest`, the integrity page) runs inside `read_only()`: on SQLite a deferred
transaction (WAL gives it one consistent snapshot and never the write lock),
on PostgreSQL a REPEATABLE READ, READ ONLY transaction (the log and the rows
compared with it are one snapshot).

`contention(error)` tells a lock conflict that a retry may clear (PostgreSQL's
deadlock or serialization failure, SQLite's "database is locked") from other
database errors: the timer retries such a row later, a web request answers 409.
"""
import sqlite3
from contextlib import contextmanager
from contextvars import ContextVar

from flask import current_app, has_request_context, request
from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import scoped_session

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# PostgreSQL's SQLSTATEs of a transaction that lost a lock conflict and may
# succeed when run again: serialization_failure, deadlock_detected.
RETRYABLE_SQLSTATES = frozenset({"40001", "40P01"})
_read_only: ContextVar[bool] = ContextVar("read_only_transaction", default=False)


def writes(view):
    """Mark a GET view that writes (e.g. audits an export) so that it takes
    the SQLite write lock at the start of its transaction."""
    view._writes = True
    return view


@contextmanager
def read_only(session=None):
    """Run the block in one read-only snapshot that never takes the write
    lock. The session's current transaction (a request's reads so far) is
    ended first, so that the block's reads begin a transaction of their own;
    at the end that transaction is rolled back (nothing was written)."""
    if session is None:
        from .extensions import db

        session = db.session
    if isinstance(session, scoped_session):
        session = session()
    if session.in_transaction():
        session.commit()
    token = _read_only.set(True)
    try:
        yield session
    finally:
        try:
            session.rollback()
        finally:
            _read_only.reset(token)


def contention(error: BaseException) -> bool:
    """Whether `error` is a lock conflict that running the work again may
    clear, rather than a fault."""
    if not isinstance(error, DBAPIError):
        return False
    orig = error.orig
    if isinstance(orig, sqlite3.OperationalError):
        return "database is locked" in str(orig) or "database table is locked" in str(orig)
    return getattr(orig, "sqlstate", None) in RETRYABLE_SQLSTATES


def _write_intent() -> bool:
    if _read_only.get():
        return False
    if not has_request_context() or request.method not in READ_METHODS:
        return True
    view = current_app.view_functions.get(request.endpoint or "")
    return bool(getattr(view, "_writes", False))


def _on_connect(dbapi_connection, connection_record):
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    # Hand transaction control to SQLAlchemy's "begin" event below.
    dbapi_connection.isolation_level = None
    timeout_ms = 15000
    try:
        timeout_ms = int(current_app.config.get("SQLITE_BUSY_TIMEOUT_MS", timeout_ms))
    except RuntimeError:  # outside an app context (e.g. a benchmark engine)
        pass
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={timeout_ms}")
    cursor.close()


def _on_begin(conn):
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE" if _write_intent() else "BEGIN")
    elif _read_only.get() and conn.dialect.name == "postgresql":
        # The transaction's first statement: one snapshot for all its reads.
        conn.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")


def init_app(app) -> None:
    """Give every engine's connections these settings. Called by create_app
    before the first connection; attaching twice (a second app in one
    process) changes nothing."""
    for name, listener in (("connect", _on_connect), ("begin", _on_begin)):
        if not event.contains(Engine, name, listener):
            event.listen(Engine, name, listener)


def analyze(session) -> None:
    """Refresh the query planner's statistics of every table (ANALYZE, on
    SQLite and PostgreSQL alike): after a bulk load the planner otherwise
    plans for empty tables (issue 17 measured /today at 1.2-1.9 s on a demo
    database that had never been analysed)."""
    session.commit()
    session.execute(text("ANALYZE"))
    session.commit()
