"""The today page: everything due for the user, from every domain's
provider (the registry in __init__.py), as overdue / today / this week."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import render_template
from flask_login import current_user

from workflows import ROLES

from .. import clock
from ..auth.access import roles_required
from . import TodayItem, items_for


@dataclass
class Sections:
    inbox: list
    overdue: list
    today: list
    week: list


def sections(items: list[TodayItem], now, end_of_today) -> Sections:
    """Inbox items (new work to take on) come first, in their own list; red items are overdue; items due before the day ends, or open for
    work since earlier (a follow-up on its planned day), are today's; the
    rest are this week's."""
    result = Sections([], [], [], [])
    for item in items:
        if item.inbox:
            result.inbox.append(item)
        elif item.colour == "red":
            result.overdue.append(item)
        elif (item.due_at is not None and item.due_at <= end_of_today) or (
                item.open_since is not None and item.open_since <= now):
            result.today.append(item)
        else:
            result.week.append(item)
    return result


@roles_required(*ROLES)
def index():
    now = clock.now()
    today_local = clock.local_date(now)
    end_of_today = clock.day_start(today_local + timedelta(days=1))
    # Today and the six days after; a second more, for what is due at the very
    # end of the last day (a weekly sweep's period ends at midnight).
    items = items_for(current_user, now, end_of_today + timedelta(days=6, seconds=1))
    return render_template("today/index.html", sections=sections(items, now, end_of_today),
                           today=today_local, count=len(items))
