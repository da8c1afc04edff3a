"""One page of a list, with a count that stops at a cap: every paged list
(cases, closures, follow-ups, sweeps, notifications, the audit log) pages
through this, and shows it with the one partial templates/_pager.html.

Paging stays cheap on a large scope: the matches are counted only up to
COUNT_CAP (shown as "10,000+"), never with an exact COUNT(*) over the whole
scope, and pages beyond the cap are not offered.

May import: app.extensions (a shared service: no engine, no domain).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select

from .extensions import db

COUNT_CAP = 10_000


@dataclass
class Page:
    rows: list
    number: int  # 1-based
    per_page: int
    total: int  # exact up to the cap
    capped: bool  # more than `total` rows match
    pages: int = field(init=False)

    def __post_init__(self):
        self.pages = max((self.total + self.per_page - 1) // self.per_page, 1)

    @classmethod
    def empty(cls, per_page: int) -> Page:
        """What a list shows when its filters cannot match anything."""
        return cls(rows=[], number=1, per_page=per_page, total=0, capped=False)


def _cap(cap: int | None) -> int:
    # Read at call time, so a test can lower the cap for every list at once.
    return COUNT_CAP if cap is None else cap


def _shown_page(number: int, total: int, per_page: int) -> int:
    """The page shown for a requested one: a page past the last shows the last."""
    return max(1, min(number, (total + per_page - 1) // per_page))


def count_upto(query, cap: int | None = None, session=None) -> tuple[int, bool]:
    """How many rows match, counting no further than `cap`: (count, more).
    Counts the ids of the query's first entity."""
    cap = _cap(cap)
    entity = query.column_descriptions[0]["entity"]
    limited = query.with_only_columns(entity.id).order_by(None).limit(cap + 1).subquery()
    n = (session or db.session).execute(select(func.count()).select_from(limited)).scalar()
    return min(n, cap), n > cap


def max_page(per_page: int, cap: int | None = None) -> int:
    """The last page offered: pages past the counted matches are not (the
    last holds the rest of them, as `Page.pages` counts)."""
    return max((_cap(cap) + per_page - 1) // per_page, 1)


# PostgreSQL joins each row an OFFSET skips before skipping it (it does not
# take the LIMIT past a LEFT JOIN): the rows a list shows with each of its
# rows, joined into the page's statement (joinedload), make a page deep in a
# long list dearer than loading them in statements of their own
# (selectinload). At a million cases (bench/scale.py) a street's case list,
# joined: page 1 10.9 ms, page 400 22.4 ms; in statements of their own:
# 12.4 and 16.8 ms. Up to this page a list joins them.
JOINED_PAGES = 10


def page_of(query, order, number: int, per_page: int, *, options=(), deep_options=None,
            cap: int | None = None, scalars: bool = True, session=None) -> Page:
    """One page of `query` in `order`, with the capped count; a page past the
    last one shows the last one. `scalars=False` keeps each row's columns
    (a query of several entities). `deep_options`, when given, replace
    `options` past page JOINED_PAGES: the same rows loaded in statements of
    their own instead of joined."""
    session = session or db.session
    total, capped = count_upto(query, cap, session)
    number = _shown_page(number, total, per_page)
    if deep_options is not None and number > JOINED_PAGES:
        options = deep_options
    result = session.execute(
        query.order_by(*order).options(*options).limit(per_page).offset((number - 1) * per_page)
    )
    rows = result.scalars().all() if scalars else result.all()
    return Page(rows=rows, number=number, per_page=per_page, total=total, capped=capped)


def page_by_ids(ids_query, load, number: int, per_page: int, cap: int, session=None) -> Page:
    """One page as page_of() gives it, with the query's filter run once:
    the ids of the first `cap` + 1 matches in the page's order (`ids_query`,
    ordered) count the matches, and the page's ids are then loaded by
    `load(ids)` (rows in the same order). For a scope whose filter costs
    more than reading an id list: a street's events are found by a hash of
    the street's cases, which page_of() built twice (for the count and for
    the page). Only where `cap` is small: the ids come back to Python."""
    session = session or db.session
    ids = session.execute(ids_query.limit(cap + 1)).scalars().all()
    total, capped = min(len(ids), cap), len(ids) > cap
    number = _shown_page(number, total, per_page)
    chosen = ids[(number - 1) * per_page:number * per_page]
    return Page(rows=load(chosen) if chosen else [], number=number, per_page=per_page, total=total, capped=capped)
