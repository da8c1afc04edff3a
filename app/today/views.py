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
from . import TodayItem, end_of_day, items_for, section_of


@dataclass
class Sections:
    inbox: list
    overdue: list
    today: list
    week: list
    later: list


def sections(items: list[TodayItem], now, end_of_today, until=None) -> Sections:
    """The items by section_of (with the week's end `until`, "later" too)."""
    result = Sections([], [], [], [], [])
    for item in items:
        getattr(result, section_of(item, now, end_of_today, until)).append(item)
    return result


@roles_required(*ROLES)
def index():
    now = clock.now()
    end_of_today = end_of_day(now)
    # Today and the six days after; a second more, for what is due at the very
    # end of the last day (a weekly sweep's period ends at midnight).
    until = end_of_today + timedelta(days=6, seconds=1)
    items = items_for(current_user, now, until)
    return render_template("today/index.html", sections=sections(items, now, end_of_today, until),
                           today=clock.local_date(now))
