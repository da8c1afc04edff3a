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
import multiprocessing.connection
import re

from flask import current_app
from sqlalchemy import text

from ..database import read_only
from ..extensions import db

# What the forked workers read: (app, check_range, ranges, snapshot, counter).
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


def run_in_workers(session, ranges: list, work, progress=None) -> list:
    """With work = (check_range, share): check_range(session, after_id,
    upto_id, start_count, tick), a generator of two values, for each of
    `ranges` in its own process, on its own connection in `session`'s
    snapshot. Every worker's first value goes to share(firsts), which
    returns one reply per worker; each reply is sent into its worker's
    generator, whose second value is the worker's result.
    Returns the results in the order of `ranges`. progress(n) is told as the
    workers go."""
    global _job
    snapshot = None
    if session.get_bind().dialect.name == "postgresql":
        snapshot = session.execute(text("SELECT pg_export_snapshot()")).scalar()
    check_range, share = work
    context = multiprocessing.get_context("fork")
    counter = context.Value("q", 0)
    _job = (current_app._get_current_object(), check_range, ranges, snapshot, counter)
    ends, processes = [], []
    try:
        for index in range(len(ranges)):
            mine, theirs = context.Pipe()
            process = context.Process(target=_run_range, args=(index, theirs), daemon=True)
            process.start()
            theirs.close()
            ends.append(mine)
            processes.append(process)
        told = [0]
        firsts = _receive(ends, processes, progress, counter, told)
        for end, reply in zip(ends, share(firsts)):
            end.send(reply)
        results = _receive(ends, processes, progress, counter, told)
        _tell(progress, counter, told)
        return results
    finally:
        _job = None
        for end in ends:
            end.close()
        for process in processes:
            process.join(5)
            if process.is_alive():  # the check failed or was interrupted: nobody waits for it
                process.terminate()
                process.join()


def _receive(ends, processes, progress, counter, told) -> list:
    """One message from each worker, in the workers' order; a worker's
    failure is raised here."""
    got: dict = {}
    while len(got) < len(ends):
        waiting = [end for index, end in enumerate(ends) if index not in got]
        multiprocessing.connection.wait(waiting + [p.sentinel for i, p in enumerate(processes) if i not in got],
                                        timeout=0.2)
        _tell(progress, counter, told)
        for index, end in enumerate(ends):
            if index in got:
                continue
            if end.poll():
                failed, value = end.recv()
                if failed:
                    raise value
                got[index] = value
            elif not processes[index].is_alive():
                raise RuntimeError(f"audit verify worker {index} ended (exit code {processes[index].exitcode}) "
                                   "without its result")
    return [got[index] for index in range(len(ends))]


def _tell(progress, counter, told: list) -> None:
    done = counter.value
    if progress and done > told[0]:
        progress(done - told[0])
    told[0] = done


def _run_range(index: int, end) -> None:
    app, check_range, ranges, snapshot, counter = _job
    with app.app_context():
        # A pool of its own; the parent's connections are left as they are
        # (closing them would end the parent's transaction).
        db.engine.dispose(close=False)

    def tick(n: int) -> None:
        with counter.get_lock():
            counter.value += n

    after_id, upto_id, start_count = ranges[index]
    try:
        with app.app_context(), read_only() as session:
            if snapshot is not None:
                if not re.fullmatch(r"[0-9A-Fa-f-]+", snapshot):
                    raise ValueError(f"not a snapshot id: {snapshot!r}")
                session.execute(text(f"SET TRANSACTION SNAPSHOT '{snapshot}'"))
            steps = check_range(session, after_id, upto_id, start_count, tick)
            end.send((False, next(steps)))
            end.send((False, steps.send(end.recv())))
    except BaseException as error:  # told to the parent, which raises it
        try:
            end.send((True, error))
        except Exception:
            end.send((True, RuntimeError(f"audit verify worker {index}: {error!r}")))
    finally:
        end.close()
