"""Counters that only serve throttling grow with every attempt; the audit log
keeps what must be kept (logins, failed logins), so these can be pruned.

The query planner's statistics go stale as cases pile up (issue 17 measured
/today at 1.2-1.9 s on a database never analysed), and autovacuum's analyse
thresholds are a fraction of each table, so a table of millions is rarely
re-analysed: the tick runs ANALYZE at most once every ANALYZE_EVERY_HOURS on
PostgreSQL (SQLite's `PRAGMA optimize`, which analyses only where it helps).
When it last ran is kept in `maintenance_runs`, shared by every runner.

A legal deadline set before its last day was known as a holiday (a newer
chinesecalendar installed since) is moved off it once an hour at most
(app/engine/holidays.py; a holiday entered by hand moves them at once)."""
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import String, delete, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, mapped_column

from . import clock
from .audit.checkpoints import CHECKPOINT_JOB, checkpoint_job
from .database import analyze_statement
from .auth.models import LoginAttempt
from .engine.holidays import known_holidays_job
from .engine.timers import install_job
from .extensions import db
from .ratelimit import RateEvent

PRUNE_JOB = "old throttling records pruned"
ANALYZE_JOB = "planner statistics refreshed"
HOLIDAYS_JOB = "legal deadlines moved off holidays"


class MaintenanceRun(db.Model):
    """When a periodic job that must not run on every tick last ran."""

    __tablename__ = "maintenance_runs"
    job: Mapped[str] = mapped_column(String(40), primary_key=True)
    last_at: Mapped[datetime | None]


def _claim(job: str, now: datetime, every: timedelta) -> bool:
    """Whether this runner should run `job` now: it is due, and no other
    runner is running it (that runner holds the row; SQLite's writers queue)."""
    dialect = db.session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    db.session.execute(insert(MaintenanceRun).values(job=job, last_at=None).on_conflict_do_nothing())
    db.session.commit()
    last = db.session.execute(select(MaintenanceRun.last_at).where(MaintenanceRun.job == job)
                              .with_for_update(skip_locked=True)).first()
    if last is None or (last.last_at is not None and now - last.last_at < every):
        db.session.rollback()
        return False
    db.session.execute(update(MaintenanceRun).where(MaintenanceRun.job == job).values(last_at=now))
    return True


def analyze_job(now=None) -> int:
    """Refresh the planner's statistics if ANALYZE_EVERY_HOURS have passed
    since the last time; returns 1 when it ran, else 0. The claim and the
    ANALYZE are one transaction: a failed ANALYZE is tried again next tick."""
    now = now or clock.now()
    every = timedelta(hours=current_app.config.get("ANALYZE_EVERY_HOURS", 24))
    if not _claim(ANALYZE_JOB, now, every):
        return 0
    postgresql = db.session.get_bind().dialect.name == "postgresql"
    db.session.execute(analyze_statement(db.session) if postgresql else text("PRAGMA optimize"))
    db.session.commit()
    return 1


def prune_counters(now=None) -> int:
    """Delete login attempts and rate-limit events older than
    COUNTERS_KEEP_DAYS; returns how many rows went."""
    cutoff = (now or clock.now()) - timedelta(days=current_app.config.get("COUNTERS_KEEP_DAYS", 30))
    removed = 0
    for model in (LoginAttempt, RateEvent):
        removed += db.session.execute(delete(model).where(model.at < cutoff)).rowcount or 0
    db.session.commit()
    return removed


def holidays_job(now=None) -> int:
    """Once an hour at most: the legal deadlines ending on a holiday that
    became known after they were set (a newer chinesecalendar installed)
    move to the next working day (app/engine/holidays.py)."""
    now = now or clock.now()
    if not _claim(HOLIDAYS_JOB, now, timedelta(hours=1)):
        return 0
    return known_holidays_job(now)


def init_app(app) -> None:
    """On every timer tick (`flask workflows tick`), after the jobs installed
    before them: check the audit log since its last checkpoint and sign the
    next ones, move the legal deadlines off holidays learnt since they were
    set (once an hour), refresh the planner's statistics once a day, then
    prune (its count ends the tick's summary line)."""
    install_job(CHECKPOINT_JOB, checkpoint_job)
    install_job(HOLIDAYS_JOB, holidays_job)
    install_job(ANALYZE_JOB, analyze_job)
    install_job(PRUNE_JOB, prune_counters)
