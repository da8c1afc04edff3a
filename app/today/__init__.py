"""What each user has to do today and this week, gathered from every domain.

Each domain installs a provider from its init_app (`install_provider`): a
function (user, now, until) -> list of TodayItem for that user with a due
time before `until` (or already overdue). The today page (views.py) reads
them all, so a new kind of work appears there by installing one function,
without the page knowing it.

A shared service: it may import the foundation (clock, extensions), and the
other shared services (auth); never a domain package, which is why the
domains bring their items to it and not the other way round.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable

from sqlalchemy import and_, case, func, not_, or_

from .. import clock
from ..engine.deadlines import colour_clause
from ..engine.urgings import Urged
from ..extensions import db

SECTIONS = ("overdue", "today", "week")


@dataclass(frozen=True)
class TodayItem:
    kind: str            # e.g. "followup", "elder_invitation", "duty", "sweep"
    title: str           # already translated for the current user
    due_at: datetime | None
    colour: str | None   # deadlines.colour() of the underlying row
    url: str
    detail: str = ""
    # When the work became possible, if before its due time (a follow-up
    # from its planned day): the page lists such items under "today".
    open_since: datetime | None = None
    # New work waiting for someone to take it on (a mediator's inbox of
    # reports): listed at the top of the page, whatever its due time.
    inbox: bool = False
    # How many rows the item stands for: more than one for the rest of a list
    # cut short (`rest_items`), which the section's count includes.
    count: int = 1
    # The section the item belongs in, where its due time cannot say it (the
    # rest of a list is "today's" without one due time of its own).
    section: str | None = None
    # The urgings (督办) standing on the row, if any: marked on the item, so
    # that a supervisor does not urge it twice and the one urged sees it.
    urged: Urged | None = None
    # What needs acting on now (ESCALATIONS, 1 first), 0 for the rest: such
    # items lead their section, so that a supervisor's late referrals are not
    # six screens below a year of routine work due earlier.
    escalation: int = 0


# The ranks of TodayItem.escalation, in the order a supervisor acts on them:
# a referral a department has let run late (only the supervisor's push moves
# it), a follow-up escalated past its visit, a case past its deadline.
ESCALATED_REFERRAL, ESCALATED_FOLLOWUP, OVERDUE_CASE = 1, 2, 3

Provider = Callable[[object, datetime, datetime], list[TodayItem]]
PROVIDERS: dict[str, Provider] = {}


def install_provider(kind: str, fn: Provider) -> None:
    """Called from a package's init_app: the providers' order is the order
    of installation (it decides ties on the page)."""
    if PROVIDERS.get(kind, fn) is not fn:
        raise ValueError(f"today provider {kind!r} is registered twice")
    PROVIDERS[kind] = fn


def items_for(user, now: datetime, until: datetime) -> list[TodayItem]:
    """Escalations first (by rank, then by due time: each kind's line for the
    rest of its list after its rows), then the rest by due time; lines without
    one (the rest of a list, a queue folded into one line) after those."""
    items = [item for fn in PROVIDERS.values() for item in fn(user, now, until)]
    return sorted(items, key=lambda i: (not i.escalation, i.escalation, i.due_at is None, i.due_at or now, i.kind))


def end_of_day(now: datetime) -> datetime:
    """The first moment of the local day after `now`'s."""
    return clock.day_start(clock.local_date(now) + timedelta(days=1))


def section_of(item: TodayItem, now: datetime, end_of_today: datetime, until: datetime | None = None) -> str:
    """Inbox items (new work to take on) have their own list; red items are
    overdue; items due before the day ends, or open for work since earlier (a
    follow-up on its planned day), are today's; the rest are this week's,
    except, given the week's end `until`, those due after it (a swap to
    approve whose duty is weeks away: work a provider lists whenever it is
    due), which are "later", so that the week's heading stays true. An item
    a provider places itself (`item.section`) is placed so too."""
    section = _section_before(item, now, end_of_today)
    if section == "week" and until is not None and item.due_at is not None and item.due_at > until:
        return "later"
    return section


def _section_before(item: TodayItem, now: datetime, end_of_today: datetime) -> str:
    """The section of `item` without a week's end (section_of)."""
    if item.inbox:
        return "inbox"
    if item.section:
        return item.section
    if item.colour == "red":
        return "overdue"
    if (item.due_at is not None and item.due_at <= end_of_today) or (
            item.open_since is not None and item.open_since <= now):
        return "today"
    return "week"


def section_totals(query, model, now: datetime, open_since=None) -> dict[str, int]:
    """How many rows of `query` (a select of `model`'s rows, as a provider
    lists them) fall in each section, counted as `section_of` places their
    items: one statement, for a provider whose list is cut short.
    `open_since` is the column its items' `open_since` comes from."""
    red = colour_clause(model, "red", now)
    due_today = model.due_at <= end_of_day(now)
    today = and_(not_(red), or_(due_today, open_since <= now) if open_since is not None else due_today)
    overdue, for_today = (func.coalesce(func.sum(case((clause, 1), else_=0)), 0) for clause in (red, today))
    overdue, for_today, total = db.session.execute(query.order_by(None).limit(None).with_only_columns(
        overdue, for_today, func.count(), maintain_column_froms=True)).one()
    return {"overdue": overdue, "today": for_today, "week": total - overdue - for_today}


def rest_items(listed: list[TodayItem], totals: dict[str, int], now: datetime,
               make: Callable[[int, str], TodayItem]) -> list[TodayItem]:
    """For a provider that lists only the first rows of a long queue: one
    item per section for the rows left out, made by `make(count, section)`
    (a title saying how many, a link to the whole queue), so that the page's
    counts stay true. `totals` counts every row by section (`SECTIONS`)."""
    end_of_today = end_of_day(now)
    shown = Counter(section_of(item, now, end_of_today) for item in listed)
    rest = []
    for section in SECTIONS:
        left_out = totals.get(section, 0) - shown[section]
        if left_out > 0:
            rest.append(make(left_out, section))
    return rest
