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

from dataclasses import dataclass
from datetime import datetime
from typing import Callable


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


Provider = Callable[[object, datetime, datetime], list[TodayItem]]
PROVIDERS: dict[str, Provider] = {}


def install_provider(kind: str, fn: Provider) -> None:
    """Called from a package's init_app: the providers' order is the order
    of installation (it decides ties on the page)."""
    if PROVIDERS.get(kind, fn) is not fn:
        raise ValueError(f"today provider {kind!r} is registered twice")
    PROVIDERS[kind] = fn


def items_for(user, now: datetime, until: datetime) -> list[TodayItem]:
    items = [item for fn in PROVIDERS.values() for item in fn(user, now, until)]
    return sorted(items, key=lambda i: (i.due_at is None, i.due_at or now, i.kind))
