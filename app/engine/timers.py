"""Fire every timeout whose due time has passed, exactly once, even when
several runners (cron on each app server) work at the same time.

Due rows are claimed in batches (`TICK_BATCH`, 100) and a batch is fired in
one transaction, committed once: on PostgreSQL the claim is `SELECT ...
ORDER BY due_at LIMIT n FOR UPDATE SKIP LOCKED` on the (state, due_at) index
(registry.py), so a second runner skips the rows the first holds; on SQLite
the transaction begins IMMEDIATE, so runners take turns. The claim takes the
audit chain's lock first (the order of locks is stated in
app/audit/chain.py): a runner that held a row and then waited for the chain
could deadlock with a case step that holds the chain and cancels that row.
Once fired, the row has left the timed-out state and no runner selects it
again. The chain lock is held for the batch, so a case step waits for at
most one batch.

A batch in which any row fails is rolled back whole (fire() rolls back the
transaction it fails in) and its rows are fired again one per transaction,
as before batching: a row that fails is rolled back, reported and skipped;
the others go on. A row that lost a lock conflict all the same (a deadlock,
a serialization failure, "database is locked") is not a failure: it is
rolled back and left for the next tick (reported as `retry`).

After the timeouts, the installed jobs run (`install_job`, called from the
packages' init_app, in the order installed): periodic work of the domains,
such as planning this week's sweeps or sending queued e-mail. Each must be
safe to run in several runners at once and reports a count; one job's
failure is reported and does not stop the others.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from flask import current_app
from sqlalchemy import select

from .. import clock
from ..audit.chain import lock_chain
from ..database import contention
from ..extensions import db
from .core import SYSTEM_ACTOR, fire
from .errors import Refused
from .registry import registered_models

JOBS: list[tuple[str, Callable]] = []


def install_job(name: str, fn: Callable) -> None:
    """Run fn(now) -> int on every tick, after the jobs installed before it.
    Installing the same function again changes nothing (a second app in one
    process); another function under a taken name is a mistake."""
    for existing, installed in JOBS:
        if existing == name:
            if installed is not fn:
                raise ValueError(f"timer job {name!r} is registered twice")
            return
    JOBS.append((name, fn))


@dataclass
class TickReport:
    fired: list[tuple[str, int, str]] = field(default_factory=list)
    failed: list[tuple[str, int, str, str]] = field(default_factory=list)
    retry: list[tuple[str, int, str]] = field(default_factory=list)  # lost a lock conflict: next tick
    jobs: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        parts = [f"{len(self.fired)} fired", f"{len(self.failed)} failed"]
        if self.retry:
            parts.append(f"{len(self.retry)} left for the next run")
        parts += [f"{count} {name}" for name, count in self.jobs.items()]
        return ", ".join(parts)


def _claim(model, state_code, now, *, limit, skip_ids=(), row_id=None):
    """The due rows of one state, oldest deadline first, locked for this
    runner (the rows other runners hold are skipped)."""
    query = select(model).where(model.state == state_code, model.due_at <= now)
    if row_id is not None:
        query = query.where(model.id == row_id)
    if skip_ids:
        query = query.where(model.id.not_in(skip_ids))
    query = query.order_by(model.due_at, model.id).limit(limit)
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
        lock_chain(db.session)  # the chain lock before the row lock
    return db.session.execute(query).scalars().all()


def _fire_batch(rows, timeout, now) -> bool:
    """Fire every row in one transaction; False (all rolled back) if any failed."""
    try:
        for row in rows:
            fire(row, timeout, SYSTEM_ACTOR, now=now, commit=False)
        db.session.commit()
    except Exception:  # fire() has rolled back; the rows are tried one by one
        db.session.rollback()
        return False
    return True


def _fire_one(entity_type, model, state, now, row_id, report) -> bool:
    """Claim and fire one row in its own transaction, reporting what became of it."""
    rows = _claim(model, state.code, now, limit=1, row_id=row_id)
    if not rows:  # fired or taken by another runner meanwhile
        db.session.rollback()
        return False
    row = rows[0]
    try:
        fire(row, state.timeout, SYSTEM_ACTOR, now=now)
    except Refused as refused:
        report.failed.append((entity_type, row_id, state.timeout, str(refused.message)))
        return False
    except Exception as error:  # one bad row must not stop the rest
        db.session.rollback()
        if contention(error):
            report.retry.append((entity_type, row_id, state.timeout))
        else:
            report.failed.append((entity_type, row_id, state.timeout, repr(error)))
        return False
    return True


def tick(now=None, on_fired=None, *, only: set[str] | None = None, jobs: bool = True) -> TickReport:
    """Fire what is due at `now`; `only` limits the timeouts to these entity
    types (the demo builder uses it), `jobs=False` skips the jobs."""
    now = now or clock.now()
    report = TickReport()
    size = max(1, int(current_app.config.get("TICK_BATCH", 100)))

    def done(entity_type, row_id, trigger):
        report.fired.append((entity_type, row_id, trigger))
        if on_fired:
            on_fired(entity_type, row_id, trigger)

    for entity_type, model in registered_models():
        if only is not None and entity_type not in only:
            continue
        for state in model.__workflow__.timeout_states():
            skip: set[int] = set()  # failed or left for the next tick: not claimed again in this one
            while True:
                rows = _claim(model, state.code, now, limit=size, skip_ids=skip)
                if not rows:
                    db.session.rollback()
                    break
                ids = [row.id for row in rows]
                if _fire_batch(rows, state.timeout, now):
                    for row_id in ids:
                        done(entity_type, row_id, state.timeout)
                    continue
                for row_id in ids:
                    if _fire_one(entity_type, model, state, now, row_id, report):
                        done(entity_type, row_id, state.timeout)
                    else:
                        skip.add(row_id)
    if jobs:
        for name, run in JOBS:
            try:
                report.jobs[name] = run(now)
            except Exception as error:  # reported like a failed row; the next job still runs
                db.session.rollback()
                report.failed.append(("job", 0, name, repr(error)))
    return report
