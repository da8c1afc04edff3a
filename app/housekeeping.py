"""Counters that only serve throttling grow with every attempt; the audit log
keeps what must be kept (logins, failed logins), so these can be pruned."""
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete

from . import clock
from .audit.checkpoints import CHECKPOINT_JOB, checkpoint_job
from .auth.models import LoginAttempt
from .engine.timers import install_job
from .extensions import db
from .ratelimit import RateEvent

PRUNE_JOB = "old throttling records pruned"


def prune_counters(now=None) -> int:
    """Delete login attempts and rate-limit events older than
    COUNTERS_KEEP_DAYS; returns how many rows went."""
    cutoff = (now or clock.now()) - timedelta(days=current_app.config.get("COUNTERS_KEEP_DAYS", 30))
    removed = 0
    for model in (LoginAttempt, RateEvent):
        removed += db.session.execute(delete(model).where(model.at < cutoff)).rowcount or 0
    db.session.commit()
    return removed


def init_app(app) -> None:
    """On every timer tick (`flask workflows tick`), after the jobs installed
    before them: check the audit log since its last checkpoint and sign the
    next ones, then prune (its count ends the tick's summary line)."""
    install_job(CHECKPOINT_JOB, checkpoint_job)
    install_job(PRUNE_JOB, prune_counters)
