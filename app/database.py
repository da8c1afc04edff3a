"""Database connection settings that make an acknowledged step durable.

SQLite: WAL journal with synchronous=FULL (a committed step survives a power
cut), foreign keys on, a busy timeout, and writing transactions that take the
write lock at BEGIN (BEGIN IMMEDIATE) so that two writers queue up instead of
one failing half-way when it first writes. Read-only requests (GET pages) begin
deferred so that they do not queue behind writers.
"""
import sqlite3

from flask import current_app, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def writes(view):
    """Mark a GET view that writes (e.g. audits an export) so that it takes
    the SQLite write lock at the start of its transaction."""
    view._writes = True
    return view


def _write_intent() -> bool:
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


def init_app(app) -> None:
    """Give every engine's connections these settings. Called by create_app
    before the first connection; attaching twice (a second app in one
    process) changes nothing."""
    for name, listener in (("connect", _on_connect), ("begin", _on_begin)):
        if not event.contains(Engine, name, listener):
            event.listen(Engine, name, listener)
