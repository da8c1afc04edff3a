"""What the benches share: an app on a fresh database, bulk loads of rows,
and the median time of repeated calls.

Imported as `bench.support`: a bench puts the repository's root on sys.path,
not bench/ itself (its http.py would hide the standard library's http).
"""
from __future__ import annotations

import statistics
import time
from pathlib import Path

from sqlalchemy import insert, text

from app import create_app
from app.extensions import db
from config import database_url as normalise


def fresh_app(path: Path, database_url: str | None = None, schema: str | None = None):
    """An app (the testing configuration) on a fresh database with the
    project's schema (db.create_all(), the migrations' indexes): the SQLite
    file `path`, or with `database_url` a PostgreSQL schema of its own
    (`schema`: dropped first if a run before left it, and by `drop_schema`)."""
    settings = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"}
    if database_url:
        settings = {"SQLALCHEMY_DATABASE_URI": normalise(database_url),
                    "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"options": f"-c search_path={schema}"}}}
    app = create_app("testing", **settings)
    with app.app_context():
        if database_url:
            with db.engine.begin() as conn:
                conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
                conn.execute(text(f"CREATE SCHEMA {schema}"))
        db.create_all()
    return app


def drop_schema(schema: str) -> None:
    """The end of a PostgreSQL run: its schema goes (in an app context)."""
    db.session.rollback()
    with db.engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))


def load(*batches) -> None:
    """Bulk Core INSERTs of (table, rows) batches, committed (no engine: the
    benches' rows need no audit trail, or bring their own events); the row
    lists are emptied for the next batch."""
    for table, rows in batches:
        if rows:
            db.session.execute(insert(table), rows)
    db.session.commit()
    for _table, rows in batches:
        rows.clear()


def vacuum_analyze(*tables: str) -> None:
    """PostgreSQL's statistics and visibility map (index-only scans need it)
    after a bulk load. VACUUM cannot run in a transaction."""
    db.session.commit()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f"VACUUM ANALYZE {', '.join(tables)}".strip()))


def timed(fn, repeat: int, *, warm_up: bool = False, before=None) -> float:
    """The median of `repeat` calls of fn(), in milliseconds: after one call
    not counted if `warm_up`; `before()`, if given, runs ahead of each
    counted call, outside its time (a session emptied, say)."""
    if warm_up:
        fn()
    runs = []
    for _ in range(repeat):
        if before:
            before()
        start = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - start) * 1000)
    return statistics.median(runs)
