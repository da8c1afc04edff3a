"""The "蓝黄红" rule, in one place: blue on track, yellow when little of the
time is left, red when overdue.

The engine stores, next to `due_at`, the moment the deadline turns yellow
(`warn_at`: the share DEADLINE_YELLOW_SHARE of the time before `due_at`), so
that the rule reads the same for one row (`colour`) and in SQL
(`colour_clause`, `urgency_order`):

    red     due_at <= now, or the row is in a "late" state (its deadline
            was missed and it waits for the next step: an overdue
            follow-up before escalation, a missed sweep)
    yellow  warn_at <= now < due_at
    blue    now < warn_at
"""
from __future__ import annotations

from datetime import datetime

from flask import current_app
from sqlalchemy import and_, case, or_

from .. import clock

COLOURS = ("red", "yellow", "blue")
NO_DEADLINE = "none"
DEFAULT_YELLOW_SHARE = 0.2


def yellow_share() -> float:
    try:
        return float(current_app.config.get("DEADLINE_YELLOW_SHARE", DEFAULT_YELLOW_SHARE))
    except RuntimeError:  # outside an app context (scripts, benchmarks)
        return DEFAULT_YELLOW_SHARE


def warn_time(due_at: datetime | None, started_at: datetime | None, share: float | None = None):
    """When a deadline running from `started_at` to `due_at` turns yellow."""
    if due_at is None:
        return None
    if started_at is None or started_at >= due_at:
        return due_at
    share = yellow_share() if share is None else share
    return due_at - (due_at - started_at) * share


def late_states(workflow) -> tuple[str, ...]:
    """The codes of a workflow's states whose rows are red by definition."""
    if workflow is None:
        return ()
    return tuple(s.code for s in workflow.states if s.late)


def colour(entity, now=None) -> str | None:
    if entity.state in late_states(getattr(entity, "__workflow__", None)):
        return "red"
    if entity.due_at is None:
        return None
    now = now or clock.now()
    if now >= entity.due_at:
        return "red"
    warn_at = entity.warn_at
    if warn_at is None:  # a row written before warn_at existed
        warn_at = warn_time(entity.due_at, entity.deadline_started_at or entity.state_entered_at)
    return "yellow" if now >= warn_at else "blue"


def colour_clause(model, colour: str, now: datetime):
    """The SQL condition for rows of `model` that have this colour now;
    `colour` is one of COLOURS or NO_DEADLINE. A workflow without late
    states gets exactly the plain due_at/warn_at ranges (index-friendly)."""
    late = late_states(model.__workflow__)
    if colour == "red":
        return or_(model.due_at <= now, model.state.in_(late)) if late else model.due_at <= now
    if colour == "yellow":
        clause = and_(model.warn_at <= now, model.due_at > now)
    elif colour == "blue":
        clause = and_(model.warn_at > now, model.due_at > now)
    elif colour == NO_DEADLINE:
        clause = model.due_at.is_(None)
    else:
        raise ValueError(f"unknown deadline colour {colour!r}")
    return and_(clause, model.state.not_in(late)) if late else clause


def urgency_order(model, now: datetime) -> tuple:
    """ORDER BY terms: red (most overdue first), yellow, blue (soonest due
    first), then rows without a deadline; the id keeps the order stable."""
    late = late_states(model.__workflow__)
    rank = case(
        *(((model.state.in_(late), 0),) if late else ()),
        (model.due_at.is_(None), 3),
        (model.due_at <= now, 0),
        (model.warn_at <= now, 1),
        else_=2,
    )
    return rank, model.due_at, model.id
