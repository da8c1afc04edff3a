"""The full check of a large log in worker processes, one id range each,
all reading the snapshot of the process that started them.

PostgreSQL: the starting transaction exports its snapshot
(pg_export_snapshot()) and each worker's REPEATABLE READ transaction takes
it (SET TRANSACTION SNAPSHOT), so the workers read exactly what it reads.
SQLite (WAL): a worker's snapshot is the database as committed when it
starts reading, perhaps with events appended since; the ranges end at the
starting snapshot's last id, and the log is append-only (triggers refuse
UPDATE and DELETE; a new event's id is above every id before it), so a
range holds the same events in both snapshots.

The workers are forked (they share the app, the registered workflows and
the key without being sent them), each takes connections of its own and
leaves the parent's alone. A platform without fork, or a database in
memory, is checked in one process.
"""
from __future__ import annotations

import multiprocessing
import re

from flask import current_app
from sqlalchemy import text

from ..database import read_only
from ..extensions import db

# What the forked workers read: (app, scan_range, ranges, snapshot, counter).
# Set just before they are forked, cleared when they are done.
_job: tuple | None = None


def can_fork(session) -> bool:
    """Whether worker processes can read what `session` reads."""
    if "fork" not in multiprocessing.get_all_start_methods():
        return False
    url = session.get_bind().url
    backend = url.get_backend_name()
    if backend == "sqlite":
        return url.database not in (None, "", ":memory:") and not url.database.startswith("file:")
    return backend == "postgresql"


def run_in_workers(session, ranges: list, scan_range, progress=None) -> list:
    """scan_range(session, after_id, upto_id, start_count, tick) for each
    of `ranges` in its own process, on its own connection in `session`'s
    snapshot; their results in the order of `ranges`. progress(n) is told
    as the workers go."""
    global _job
    snapshot = None
    if session.get_bind().dialect.name == "postgresql":
        snapshot = session.execute(text("SELECT pg_export_snapshot()")).scalar()
    context = multiprocessing.get_context("fork")
    counter = context.Value("q", 0)
    _job = (current_app._get_current_object(), scan_range, ranges, snapshot, counter)
    try:
        with context.Pool(len(ranges), initializer=_forget_connections) as pool:
            result = pool.map_async(_run_range, range(len(ranges)), chunksize=1)
            told = 0
            while not result.ready():
                result.wait(0.2)
                told = _tell(progress, counter, told)
            parts = result.get()
        _tell(progress, counter, told)
        return parts
    finally:
        _job = None


def _tell(progress, counter, told: int) -> int:
    done = counter.value
    if progress and done > told:
        progress(done - told)
    return done


def _forget_connections() -> None:
    """In a new worker: a pool of its own, the parent's connections left as
    they are (closing them would end the parent's transaction)."""
    app = _job[0]
    with app.app_context():
        db.engine.dispose(close=False)


def _run_range(index: int):
    app, scan_range, ranges, snapshot, counter = _job

    def tick(n: int) -> None:
        with counter.get_lock():
            counter.value += n

    after_id, upto_id, start_count = ranges[index]
    with app.app_context(), read_only() as session:
        if snapshot is not None:
            if not re.fullmatch(r"[0-9A-Fa-f-]+", snapshot):
                raise ValueError(f"not a snapshot id: {snapshot!r}")
            session.execute(text(f"SET TRANSACTION SNAPSHOT '{snapshot}'"))
        return scan_range(session, after_id, upto_id, start_count, tick)
