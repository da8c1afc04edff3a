"""The today page: everything due for the user, from every domain's
provider (the registry in __init__.py), as overdue / today / this week."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import render_template
from flask_babel import format_date, format_datetime, gettext as _
from flask_login import current_user

from workflows import ROLES

from .. import clock
from ..auth.access import roles_required
from . import TodayItem, end_of_day, items_for, section_of


def due_text(moment) -> str:
    """A due time as people say it: a deadline at local midnight is "by the
    end of" the day before (a sweep's week ends on Sunday, not "Monday 00:00");
    any other "by" its time (a bare time after a place read as a time of
    registration)."""
    if moment is None:
        return ""
    if clock.ends_a_day(moment):
        return _("by the end of %(day)s", day=format_date(clock.last_day(moment), "medium"))
    return _("by %(time)s", time=format_datetime(moment, "short"))


def template_helpers() -> dict:
    """For every page's templates: the today page's items and the domains'
    own lists say due times the same way."""
    return {"due_text": due_text}


@dataclass
class Sections:
    inbox: list
    overdue: list
    today: list
    week: list


def sections(items: list[TodayItem], now, end_of_today) -> Sections:
    result = Sections([], [], [], [])
    for item in items:
        getattr(result, section_of(item, now, end_of_today)).append(item)
    return result


@roles_required(*ROLES)
def index():
    now = clock.now()
    end_of_today = end_of_day(now)
    # Today and the six days after; a second more, for what is due at the very
    # end of the last day (a weekly sweep's period ends at midnight).
    items = items_for(current_user, now, end_of_today + timedelta(days=6, seconds=1))
    return render_template("today/index.html", sections=sections(items, now, end_of_today),
                           today=clock.local_date(now), count=sum(item.count for item in items))
