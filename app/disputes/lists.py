"""The case lists' queries: "my cases" by urgency, and the community list with
its filters. Kept apart from the views so that bench/case_list.py times the
very statements the pages run.

Paging stays cheap on a large scope: the community list is ordered by
(created_at, id), which the composite indexes on (scope column, created_at,
id) serve without a sort, and app/paging.py counts the matches only up to
its cap.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from types import SimpleNamespace
from typing import Callable

from sqlalchemy import and_, case, false, func, or_, select, union
from sqlalchemy.orm import joinedload, selectinload

from workflows import DISPUTE

from .. import clock
from ..engine.deadlines import colour_clause, urgency_order
from ..extensions import db
from ..org.models import Grid
from ..paging import Page, page_of
from .models import Dispute, Party, dispute_mediators
from .scope import can_see, scope_clause
from .scope_rule import EVERYTHING, scope_rule

# Open: not ended (terminal) and not yet closed.
OPEN_STATES = tuple(s.code for s in DISPUTE.states if not s.terminal and s.code != "closed")


@dataclass
class Filters:
    state: str | None = None
    dispute_type: str | None = None
    channel: str | None = None
    grid_id: int | None = None
    gridless: bool = False  # only cases registered without a grid
    date_from: date | None = None  # registration dates, in the centre's time zone
    date_to: date | None = None
    colour: str | None = None  # red / yellow / blue / none
    q: str | None = None


def open_clause():
    return Dispute.state.in_(OPEN_STATES)


def _grid_scope(user, grid_id: int):
    """A grid filter narrows the scope to that grid, when the grid lies in
    the user's scope (checked once, on the grid, by the same rule as for a
    case: a case's street and community are its grid's). Filtering on
    grid_id alone lets the database use the grid's index, where
    "street_id = ? AND grid_id = ?" may send SQLite through the whole
    street when it has no statistics."""
    grid = db.session.get(Grid, grid_id)
    if grid is None:
        return false()
    where = SimpleNamespace(street_id=grid.community.street_id, community_id=grid.community_id, grid_id=grid.id)
    return Dispute.grid_id == grid.id if can_see(user, where) else false()


def _prefix(column, text: str):
    """column starts with text, in a form the column's index serves: a range
    on SQLite (binary collation: byte order is code-point order), LIKE
    'text%' on PostgreSQL (its index uses text_pattern_ops)."""
    if db.session.get_bind().dialect.name == "sqlite":
        return and_(column >= text, column < text + "\U0010ffff")
    return column.startswith(text, autoescape=True)


def search_matches(q: str):
    """The ids of cases whose file number matches q, or with a party whose
    name starts with q. A file number is matched exactly or by its number
    (and year): "15", "2026-15" and "(2026)莱人调字第15号" all find case 15
    of 2026. A UNION, so that the database runs it first, from the name and
    file-number indexes, and joins the few matches to the cases (a plain IN
    lets SQLite without statistics walk the whole scope instead)."""
    parts = [
        select(Party.dispute_id.label("id")).where(_prefix(Party.name, q)),
        select(Dispute.id).where(Dispute.file_no == q),
    ]
    numbers = re.findall(r"\d+", q)
    if numbers and len(numbers[-1]) <= 9:
        by_number = Dispute.file_seq == int(numbers[-1])
        if len(numbers) >= 2 and len(numbers[0]) == 4:
            by_number = and_(by_number, Dispute.file_year == int(numbers[0]))
        parts.append(select(Dispute.id).where(by_number))
    return union(*parts).subquery("matches")


# A name search over the whole city needs this many characters: one
# character is a surname, which a province's year holds 50,000 parties of;
# nobody reads that list, and deduplicating and sorting their cases to show
# the newest 25 cost the city's list 100 ms (bench/scale.py). A street's
# 50,000 cases hold a twentieth of that: a street, a community or a grid
# may still search by a surname.
CITY_NAME_MIN = 2


def search_too_broad(user, filters: Filters) -> bool:
    """True for a name search of fewer than CITY_NAME_MIN characters over
    the whole city (a city-wide scope and no grid chosen). A file number's
    digits ("7") are not a name and are always searched."""
    q = (filters.q or "").strip()
    return (bool(q) and len(q) < CITY_NAME_MIN and not q.isdigit() and filters.grid_id is None
            and scope_rule(user) is EVERYTHING)


def community_query(user, filters: Filters, now: datetime):
    """The cases this user may see that match the filters, and their order:
    newest registered first; filtered on a deadline's colour, the deadline
    first (the most overdue, or the soonest due: the order of the today
    page's overdue cases); search results newest first by case id (an order
    the database takes from the few matches, not from walking an index of
    the whole scope)."""
    if filters.grid_id is not None:
        query = select(Dispute).where(_grid_scope(user, filters.grid_id))
    else:
        query = select(Dispute).where(scope_clause(user))
    if filters.gridless:
        query = query.where(Dispute.grid_id.is_(None))
    if filters.state:
        query = query.where(Dispute.state == filters.state)
    if filters.dispute_type:
        query = query.where(Dispute.dispute_type == filters.dispute_type)
    if filters.channel:
        query = query.where(Dispute.channel == filters.channel)
    query = query.where(*clock.on_local_days(Dispute.created_at, filters.date_from, filters.date_to))
    if filters.colour:
        query = query.where(colour_clause(Dispute, filters.colour, now))
    order = DEADLINE_ORDER if by_deadline(filters) else COMMUNITY_ORDER
    if filters.q:
        matches = search_matches(filters.q)
        query = query.join(matches, matches.c.id == Dispute.id)
        order = (matches.c.id.desc(),)
    return query, order


COMMUNITY_ORDER = (Dispute.created_at.desc(), Dispute.id.desc())
DEADLINE_ORDER = (Dispute.due_at, Dispute.id)


def by_deadline(filters: Filters) -> bool:
    """Listed by deadline: filtered on a colour that has one, not searched."""
    return filters.colour in ("red", "yellow", "blue") and not filters.q


# A mediator's closed cases wait for the street supervisor's sign-off, then their archiving (a step of
# theirs): "my cases" lists them after the open ones, from the page's one statement. In two groups: those signed
# off, which wait for the mediator to archive them, then those awaiting the supervisor; the sign-off review
# (app/supervision, a layer this domain may not import) installs what tells them apart (install_closed_rank).
AWAITING_SIGN_OFF = "closed"
CLOSED_TO_ARCHIVE, CLOSED_AWAITING = 1, 2


@dataclass
class _ClosureStages:
    # () -> a SQL expression over Dispute: CLOSED_AWAITING for a case whose closure awaits its sign-off, else
    # CLOSED_TO_ARCHIVE (asked of closed cases only).
    rank: Callable[[], object] | None = None
    # () -> a SQL expression over Dispute: the state of its latest review ("awaiting", "signed_off",
    # "returned"), or NULL; a column of "my cases"' own statement (CasesPage.stages).
    latest: Callable[[], object] | None = None


_stages = _ClosureStages()


def install_closure_stages(rank: Callable[[], object], latest: Callable[[], object]) -> None:
    _stages.rank, _stages.latest = rank, latest


def closed_rank():
    """0 for an open case, then the closed ones' groups (CLOSED_TO_ARCHIVE
    first: the mediator's next step); one group without the sign-off."""
    rank = _stages.rank() if _stages.rank else CLOSED_AWAITING
    return case((Dispute.state.in_((AWAITING_SIGN_OFF,)), rank), else_=0)


@dataclass
class CasesPage(Page):
    # Where the latest closure review of each listed case stands (none: not in the dict).
    stages: dict[int, str] = field(default_factory=dict)


def closure_stages(page) -> dict[int, str]:
    """Where the latest closure review of each case of `page` (my_cases)
    stands: "my cases" groups the closed ones by it and marks the open ones a
    supervisor returned. Read with the page's rows, not in a statement of its
    own (the page's budget)."""
    return getattr(page, "stages", {})


def mine_query(user):
    """The open cases a mediator works on (lead or co-mediator), then their
    closed ones (AWAITING_SIGN_OFF); or the open cases of a grid worker's
    grid and those they registered; always within the user's scope."""
    states = open_clause()
    if user.role == "mediator":
        co_mediated = select(dispute_mediators.c.dispute_id).where(dispute_mediators.c.user_id == user.id)
        mine = or_(Dispute.assignee_id == user.id, Dispute.id.in_(co_mediated))
        states = Dispute.state.in_(OPEN_STATES + (AWAITING_SIGN_OFF,))
    elif user.role == "gridworker":
        mine = or_(Dispute.grid_id == user.grid_id, Dispute.created_by_id == user.id)
    else:
        raise ValueError(f"no 'my cases' for the role {user.role!r}")
    return select(Dispute).where(scope_clause(user), states, mine)


# The rows a case list shows with each case, joined into the page's statement
# (each case has one of each): loaded in two more statements (selectinload),
# they cost "my cases" a fifth more CPU. Past the first pages of a long list
# they are loaded that way (paging.JOINED_PAGES).
LIST_OPTIONS = (joinedload(Dispute.community), joinedload(Dispute.grid))
DEEP_LIST_OPTIONS = (selectinload(Dispute.community), selectinload(Dispute.grid))


def cases_page(db_session, query, order, number: int, per_page: int) -> Page:
    """One page of cases in `order`, with the capped count."""
    return page_of(query, order, number, per_page, options=LIST_OPTIONS, deep_options=DEEP_LIST_OPTIONS,
                   session=db_session)


def my_cases(db_session, user, now: datetime, number: int, per_page: int) -> Page:
    order = (closed_rank(), *urgency_order(Dispute, now))
    if user.role != "mediator" or _stages.latest is None:
        return cases_page(db_session, mine_query(user), order, number, per_page)
    # The review's state as a column of the page's statement: not a mapped
    # attribute, which would cost every step on a case its direct write (engine/writes.py).
    query = mine_query(user).add_columns(_stages.latest().label("closure_stage"))
    page = page_of(query, order, number, per_page, options=LIST_OPTIONS, deep_options=DEEP_LIST_OPTIONS,
                   scalars=False, session=db_session)
    return CasesPage(rows=[d for d, _stage in page.rows], number=page.number, per_page=page.per_page,
                     total=page.total, capped=page.capped,
                     stages={d.id: stage for d, stage in page.rows if stage})


def my_closed_count(db_session, user, page: Page) -> int:
    """How many of `my_cases` (`page`, one page of them) are closed, listed
    in groups of their own after the open ones: "Cases I mediate" counts the
    open ones alone. The closed come last, so a list on one page counts them
    from its rows; only a longer one asks the database."""
    if user.role != "mediator":
        return 0
    if page.pages == 1 and not page.capped:
        return sum(1 for d in page.rows if d.state == AWAITING_SIGN_OFF)
    closed = mine_query(user).where(Dispute.state == AWAITING_SIGN_OFF).subquery()
    return db_session.execute(select(func.count()).select_from(closed)).scalar() or 0


def registered_cases(db_session, user, number: int, per_page: int) -> Page:
    """The cases a user registered, open or not (what became of each: accepted,
    refused, closed), newest first; within the user's scope."""
    query = select(Dispute).where(scope_clause(user), Dispute.created_by_id == user.id)
    return cases_page(db_session, query, (Dispute.created_at.desc(), Dispute.id.desc()), number, per_page)
