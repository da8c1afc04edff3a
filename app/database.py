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

PostgreSQL: every connection plans each statement for its values
(`plan_cache_mode = force_custom_plan`), also those psycopg has prepared.

`contention(error)` tells a lock conflict that a retry may clear (PostgreSQL's
deadlock or serialization failure, SQLite's "database is locked") from other
database errors: the timer retries such a row later, a web request answers 409.

Read replica: with DATABASE_READ_URL set, the views marked `replica_reads`
(supervisors' statistics, closure history, audit log, grid map and their
exports) read through a second engine (app.extensions["replica_engine"]; not a
Flask-SQLAlchemy bind, whose metadata would be shared by every app of the
process); `primary()` sends a
block (an export's audit event) back to the primary. The replica's
transactions are READ ONLY on PostgreSQL, so a write sent there by mistake
fails instead of being lost on a standby. Unset, there is one engine.
"""
import sqlite3
from contextlib import contextmanager
from contextvars import ContextVar

from functools import wraps

from flask import current_app, g, has_request_context, request
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import scoped_session

from .driver import cursor_events

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# PostgreSQL's SQLSTATEs of a transaction that lost a lock conflict and may
# succeed when run again: serialization_failure, deadlock_detected.
RETRYABLE_SQLSTATES = frozenset({"40001", "40P01"})
_read_only: ContextVar[bool] = ContextVar("read_only_transaction", default=False)
_WRITING = "sqlite_writing"  # on flask.g: this request's transactions take the write lock from now on
_CHANGES = "sqlite_changes_at_begin"  # on a connection's info: its rows changed when its transaction began
_on_replica: ContextVar[bool] = ContextVar("reads_on_replica", default=False)
REPLICA_ENGINE = "replica_engine"
# Marks the replica engine's connections (an execution option of the engine).
REPLICA_OPTION = "mediation_replica"


class RoutingSession(FlaskSession):
    """Flask-SQLAlchemy's session, which sends the statements of a
    `replica_reads` view to the replica engine when there is one."""

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        if bind is not None:
            return bind
        if _on_replica.get():
            replica = current_app.extensions.get(REPLICA_ENGINE)
            if replica is not None:
                return replica
        engines = self._db.engines
        if len(engines) == 1 and None in engines:
            # One database (no SQLALCHEMY_BINDS): the default engine, without
            # Flask-SQLAlchemy's look at each statement's mapper and table for
            # a bind key, which a step pays on every statement and flush.
            return engines[None]
        return super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)


def replica_reads(view):
    """Mark a read-only view whose reads may be a little stale (replication
    lag): its GET requests read from the replica when one is configured."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        if request.method not in READ_METHODS:
            return view(*args, **kwargs)
        token = _on_replica.set(True)
        try:
            return view(*args, **kwargs)
        finally:
            _on_replica.reset(token)
    return wrapper


@contextmanager
def primary():
    """Run the block's statements on the primary (a write inside a
    `replica_reads` view, e.g. the audit event of an export)."""
    token = _on_replica.set(False)
    try:
        yield
    finally:
        _on_replica.reset(token)


def writes(view):
    """Mark a GET view that writes (e.g. audits an export) so that it takes
    the SQLite write lock at the start of its transaction."""
    view._writes = True
    return view


def reads_first(view):
    """Mark a view that reads before it writes through the engine (a case's
    step: the session, the case, the form's checks, then the step): on SQLite
    its request begins deferred, so that its reads do not hold the one write
    lock that every other writer waits for; `begin_writing` takes it."""
    view._reads_first = True
    return view


def begin_writing(session) -> None:
    """Before the writes of a `reads_first` request on SQLite: end the
    deferred transaction of its reads, so that the writes begin a
    transaction of their own with the write lock (BEGIN IMMEDIATE). A
    deferred transaction that has read cannot take the write lock once
    another writer has committed (SQLite answers "database is locked" at
    once, without waiting). The rows read so far are expired by the COMMIT
    and read again, under the lock, by the step (app/engine/core.py)."""
    if not has_request_context() or g.get(_WRITING):
        return
    view = current_app.view_functions.get(request.endpoint or "")
    if not getattr(view, "_reads_first", False):
        return
    if isinstance(session, scoped_session):
        session = session()
    if session.get_bind().dialect.name != "sqlite":
        return
    # The COMMIT below must end reads only: a write before the step would be kept even if the step is refused.
    wrote = session.new or session.dirty or session.deleted
    if session.in_transaction():
        connection = session.connection()
        wrote = wrote or connection.connection.dbapi_connection.total_changes != connection.info.get(_CHANGES)
    if wrote:
        raise RuntimeError(f"{request.endpoint} is marked reads_first but wrote before its step: "
                           "write through the engine only, or drop the mark")
    g.setdefault(_WRITING, True)
    if session.in_transaction():
        session.commit()


@contextmanager
def read_only(session=None):
    """Run the block in one read-only snapshot that never takes the write
    lock. The session's current transaction (a request's reads so far) is
    ended first, so that the block's reads begin a transaction of their own;
    at the end that transaction is rolled back (nothing was written)."""
    if session is None:
        # Flask-SQLAlchemy's own entry: app.extensions imports this module.
        session = current_app.extensions["sqlalchemy"].session
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
    if not has_request_context():
        return True
    if g.get(_WRITING):
        return True
    view = current_app.view_functions.get(request.endpoint or "")
    if request.method not in READ_METHODS:
        return not getattr(view, "_reads_first", False)
    return bool(getattr(view, "_writes", False))


def _on_connect(dbapi_connection, connection_record):
    if not isinstance(dbapi_connection, sqlite3.Connection):
        _custom_plans_only(dbapi_connection)
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


def _custom_plans_only(dbapi_connection) -> None:
    """PostgreSQL: plan every statement for its values. psycopg prepares a
    statement on the server once a connection has run it five times, and the
    server may then switch to one generic plan for every value: a name
    search's `LIKE $1 || '%'` can use the name index only when the planner
    sees the name, and at a million cases a street's search took 170 ms
    instead of 12 in the run whose statistics made the generic plan look
    cheaper (bench/scale.py; README, "Benchmark: a province on PostgreSQL").
    Planning each time costs what an unprepared statement costs; the parse
    is still saved. The SET begins a transaction (the connection is not in
    autocommit), committed so that SQLAlchemy takes an idle connection.
    Known by its module, so that a SQLite installation never loads psycopg."""
    if type(dbapi_connection).__module__.startswith("psycopg"):
        dbapi_connection.execute("SET plan_cache_mode = force_custom_plan")
        dbapi_connection.commit()


def _on_begin(conn):
    if conn.get_execution_options().get(REPLICA_OPTION):
        # Never the SQLite write lock (a replica on the same file would
        # otherwise block the primary's writer), never a write on PostgreSQL.
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("BEGIN")
        elif conn.dialect.name == "postgresql":
            conn.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"
                                 if _read_only.get() else "SET TRANSACTION READ ONLY")
        return
    if conn.dialect.name == "sqlite":
        if _write_intent():
            _begin_sqlite(conn, "BEGIN IMMEDIATE")
        else:
            _begin_sqlite(conn, "BEGIN")
            conn.info[_CHANGES] = conn.connection.dbapi_connection.total_changes
    elif _read_only.get() and conn.dialect.name == "postgresql":
        # The transaction's first statement: one snapshot for all its reads.
        conn.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")


def _begin_sqlite(conn, sql: str) -> None:
    """BEGIN on the connection's own DBAPI cursor. Every transaction starts
    here (an engine step's first statement), and SQLAlchemy's execution of a
    statement (its context, result and events) cost several times what
    SQLite takes for a BEGIN. A failure is wrapped as SQLAlchemy wraps it
    (`contention()` tells "database is locked" after the busy timeout); the
    engine's cursor listeners are told of it (app/driver.py)."""
    dbapi = conn.dialect.loaded_dbapi
    cursor = conn.connection.dbapi_connection.cursor()
    try:
        with cursor_events(conn, cursor, sql, ()):
            cursor.execute(sql)
    except dbapi.Error as error:
        raise DBAPIError.instance(sql, (), error, dbapi.Error, dialect=conn.dialect) from error
    finally:
        cursor.close()


def init_app(app) -> None:
    """Give every engine's connections these settings. Called by create_app
    before the first connection; attaching twice (a second app in one
    process) changes nothing."""
    for name, listener in (("connect", _on_connect), ("begin", _on_begin)):
        if not event.contains(Engine, name, listener):
            event.listen(Engine, name, listener)
    _add_replica_engine(app)  # with the options as configured


def _add_replica_engine(app) -> None:
    """DATABASE_READ_URL as a second engine, with the primary's engine
    options (pool, connect arguments) and the mark `_on_begin` reads."""
    url = app.config.get("DATABASE_READ_URL")
    if not url:
        return
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    options["execution_options"] = dict(options.get("execution_options") or {}, **{REPLICA_OPTION: True})
    app.extensions[REPLICA_ENGINE] = create_engine(url, **options)


def replica_engine(app=None):
    """The replica's engine, or None when DATABASE_READ_URL is unset."""
    return (app or current_app).extensions.get(REPLICA_ENGINE)


def analyze(session) -> None:
    """Refresh the query planner's statistics of every table (ANALYZE, on
    SQLite and PostgreSQL alike): after a bulk load the planner otherwise
    plans for empty tables (issue 17 measured /today at 1.2-1.9 s on a demo
    database that had never been analysed)."""
    session.commit()
    session.execute(analyze_statement(session))
    session.commit()


# The tables of the schema the connection works in (its search_path's first).
_OWN_TABLES = text("SELECT quote_ident(tablename) FROM pg_tables WHERE schemaname = current_schema() "
                   "ORDER BY tablename")


def analyze_statement(session):
    """ANALYZE of the app's own tables. On PostgreSQL a bare ANALYZE reads
    every table of the database, other schemas' too: another installation's
    sharing the server's database, and a test worker's schema while that
    worker drops it (the two deadlocked). So the schema's tables are named."""
    if session.get_bind().dialect.name != "postgresql":
        return text("ANALYZE")
    tables = session.execute(_OWN_TABLES).scalars().all()
    return text(f"ANALYZE {', '.join(tables)}" if tables else "SELECT 1")
