"""The "蓝黄红" rule, in one place: blue on track, yellow when little of the
time is left, red when overdue."""
from flask import current_app

from .. import clock


def colour(entity, now=None) -> str | None:
    if entity.due_at is None:
        return None
    now = now or clock.now()
    if now >= entity.due_at:
        return "red"
    start = entity.deadline_started_at or entity.state_entered_at
    total = (entity.due_at - start).total_seconds()
    left = (entity.due_at - now).total_seconds()
    share = current_app.config.get("DEADLINE_YELLOW_SHARE", 0.2)
    if total > 0 and left <= total * share:
        return "yellow"
    return "blue"
