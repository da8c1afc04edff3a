"""The centre's figures (DOMAIN.md §5), computed in SQL with GROUP BY over
indexed columns, never by loading cases into Python.

Every figure but "open now" is counted over the cases *registered* in the
chosen period and place (a cohort), so that each rate's numerator is a part
of its denominator:

- registered     cases registered in the period
- accepted       of those, cases accepted (given a file number)
- agreements     of the accepted, cases with an agreement (written or oral)
- on the spot    of the registered, cases resolved on the spot at first
                 contact (and not mediated to an agreement later)
- refused        of the accepted, cases whose mediation a party's clear
                 refusal ended (Mediation Law art. 26); not in any rate's
                 numerator, apart from failed mediation
- in mediation   of the accepted, cases without an agreement still being
                 mediated now (accepted, assigned, mediating, extended): in
                 the success rate's denominator, they may yet be agreements,
                 so the page and the exports give them beside the rate
- unconcluded    of the registered, cases not concluded now: without an
                 agreement, awaiting acceptance (待受理) or being mediated;
                 every other state is an outcome (on the spot, failed,
                 refused, rejected, withdrawn; closed, archived)
- 调解成功率      agreements ÷ accepted
- 现场化解率      on the spot ÷ registered
- 化解率          (agreements + on the spot) ÷ registered

The rates keep DOMAIN.md's denominators (all the accepted, all the
registered). A rate is given only once at least one case it counts has
concluded (Counts.shown): the success rate once an accepted case is no
longer in mediation, the other two once a registered case is neither
awaiting acceptance nor in mediation; before that (as with nothing to
count) it is none: "—" on the pages, an empty cell in the exports, null in
the API, the no-data colour on the grid map. 0.0% would read as failed
mediation, not as cases still waiting.
- days to close  from registration to closure, for the cases of the cohort
                 that are closed or archived now: the mean, and the 90th
                 percentile by the nearest-rank method (the smallest value
                 that at least 90% of the cases do not exceed)
- amounts        the amount involved in the cases with an agreement: total,
                 number of cases giving one, average
- agreed amounts the amount the agreements settled on (apart from the amount
                 claimed at intake): total, number giving one, average
- open now       cases of the place not yet closed, by deadline colour now
                 (whatever their registration date); read from the open
                 cases' counters (open_counts.py) but for a grid
"""
from __future__ import annotations

import math
from functools import cache
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import and_, case, func, select

from .. import clock
from ..disputes.lists import open_clause
from ..disputes.models import Dispute
from ..engine.deadlines import NO_DEADLINE, colour_clause
from ..extensions import db
from ..org.models import Community, Street
from . import open_counts
from .counters import MAX_DAYS, MEDIATING_STATES, UNCONCLUDED_STATES, StatCount, StatCountStreet
from .departments import department_figures
from .opinion_figures import opinion_figures
from .scope import Place, Scope
from .sql import days_between, local_month


def _flag(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


# Each flag reads only columns of the covering indexes below (no text
# column): accepted cases have a file number (file_seq); a case resolved on
# the spot was never accepted and ended (resolved, closed or archived)
# without an agreement.
ACCEPTED = Dispute.file_seq.is_not(None)
AGREED = and_(Dispute.agreed_at.is_not(None), Dispute.file_seq.is_not(None))
ON_SPOT = and_(Dispute.file_seq.is_(None), Dispute.agreed_at.is_(None),
               Dispute.state.in_(("resolved_on_spot", "closed", "archived")))
CLOSED = Dispute.closed_at.is_not(None)
# Not in a covering index: refusals are few, and a dashboard of whole months
# reads the maintained counters instead.
REFUSED = and_(Dispute.file_seq.is_not(None), Dispute.refused_at.is_not(None))
IN_MEDIATION = and_(ACCEPTED, Dispute.agreed_at.is_(None), Dispute.state.in_(MEDIATING_STATES))
# Reads only the state and agreed_at: the grid map counts it from its index too.
UNCONCLUDED = and_(Dispute.agreed_at.is_(None), Dispute.state.in_(UNCONCLUDED_STATES))
RATES = ("success_rate", "on_spot_rate", "resolution_rate")


@dataclass
class Counts:
    registered: int = 0
    accepted: int = 0
    agreements: int = 0
    on_spot: int = 0
    refused: int = 0
    # Of the accepted, those still being mediated now.
    in_mediation: int = 0
    # Of the registered, those not concluded now (awaiting acceptance or in mediation).
    unconcluded: int = 0

    @staticmethod
    def _rate(part, whole):
        return None if not whole else part / whole

    def counted(self, rate: str) -> int:
        """The rate's denominator (DOMAIN.md §5): the accepted cases for the
        success rate, the registered ones for the other two."""
        return self.accepted if rate == "success_rate" else self.registered

    def concluded(self, rate: str) -> int:
        """Of the cases the rate counts, those concluded now: the accepted
        cases no longer in mediation; the registered ones neither awaiting
        acceptance nor in mediation."""
        return self.counted(rate) - (self.in_mediation if rate == "success_rate" else self.unconcluded)

    def awaits_conclusion(self, rate: str) -> bool:
        """The rate counts cases, none of which has concluded yet."""
        return self.counted(rate) > 0 and self.concluded(rate) <= 0

    def shown(self, rate: str) -> float | None:
        """The rate as every reader gives it: None until a case it counts
        has concluded (as when it counts none), else its value."""
        return getattr(self, rate) if self.concluded(rate) > 0 else None

    @property
    def success_rate(self):
        return self._rate(self.agreements, self.accepted)

    @property
    def on_spot_rate(self):
        return self._rate(self.on_spot, self.registered)

    @property
    def resolution_rate(self):
        return self._rate(self.agreements + self.on_spot, self.registered)


@dataclass
class Dashboard:
    date_from: date
    date_to: date
    totals: Counts
    by_type: list[tuple[str, Counts]]
    by_channel: list[tuple[str, Counts]]
    by_community: list[tuple[str, Counts]]
    by_month: list[tuple[str, Counts]]
    closed: int
    mean_days: float | None
    p90_days: float | None
    amount_total: Decimal
    amount_cases: int
    agreed_total: Decimal = Decimal("0.00")
    agreed_cases: int = 0
    open_by_colour: dict[str, int] = field(default_factory=dict)
    sweeps: dict | None = None
    # The referrals sent in the period, by department: (totals, by month);
    # see departments.py.
    departments: tuple = ((), ())
    # Held sweeps by kind of alliance member taking part (alliance_figures).
    alliance: dict = field(default_factory=dict)
    # The legal opinions asked in the period (opinion_figures.py).
    opinions: object = None
    # The city's page (by_street=True): (street id, name, Counts) of each
    # street, in place of the city's hundreds of communities (by_community
    # is then empty); each street's own dashboard lists its communities.
    by_street: list[tuple[int, str, Counts]] | None = None

    @property
    def agreed_mean(self):
        return None if not self.agreed_cases else self.agreed_total / self.agreed_cases

    @property
    def amount_mean(self):
        return None if not self.amount_cases else self.amount_total / self.amount_cases

    @property
    def open_total(self) -> int:
        return sum(self.open_by_colour.values())


COUNT_COLUMNS = (
    func.count(Dispute.id).label("registered"),
    _flag(ACCEPTED).label("accepted"),
    _flag(AGREED).label("agreements"),
    _flag(ON_SPOT).label("on_spot"),
    _flag(REFUSED).label("refused"),
    _flag(IN_MEDIATION).label("in_mediation"),
    _flag(UNCONCLUDED).label("unconcluded"),
)


def _counts(row) -> Counts:
    return Counts(int(row.registered or 0), int(row.accepted or 0), int(row.agreements or 0), int(row.on_spot or 0),
                  int(row.refused or 0), int(row.in_mediation or 0), int(row.unconcluded or 0))


def _cohort(scope: Scope, place: Place, date_from: date, date_to: date) -> list:
    return [
        *scope.clauses(place),
        Dispute.created_at >= clock.day_start(date_from),
        Dispute.created_at < clock.day_end(date_to),
    ]


def _grouped(session, key, where) -> list[tuple[object, Counts]]:
    rows = session.execute(select(key.label("key"), *COUNT_COLUMNS).where(*where).group_by(key).order_by(key))
    return [(row.key, _counts(row)) for row in rows]


def _months(first: date, last: date) -> list[str]:
    months, year, month = [], first.year, first.month
    while (year, month) <= (last.year, last.month):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def percentile_days(session, where, closed: int, share: float = 0.9):
    """Nearest rank: the value at position ceil(share × n) of the sorted
    days, in whole days (as the counters keep them)."""
    if not closed:
        return None
    rank = math.ceil(share * closed)
    days = days_between(Dispute.created_at, Dispute.closed_at)
    value = session.execute(
        select(days).where(*where, CLOSED).order_by(days).limit(1).offset(rank - 1)
    ).scalar()
    return float(min(math.floor(max(float(value), 0.0)), MAX_DAYS)) if value is not None else None


def _percentile_of_counts(counts: list[tuple[int, int]], share: float = 0.9):
    """Nearest rank over (whole days, number of cases) sorted by days."""
    total = sum(n for _, n in counts)
    if not total:
        return None
    rank, seen = math.ceil(share * total), 0
    for days, n in counts:
        seen += n
        if seen >= rank:
            return float(days)
    return None


def _month(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def streets_instead(scope: Scope, place: Place) -> bool:
    """A city-wide place: the city's page shows its streets (a few dozen
    rows, each a link to the street's dashboard and its communities), not
    the city's hundreds of communities at once."""
    return scope.city and all(v is None for v in (place.street_id, place.area_id, place.community_id,
                                                  place.grid_id, place.mediator_id))


def _named_streets(session, per_street) -> list[tuple[int, str, Counts]]:
    names = dict(session.execute(
        select(Street.id, Street.name).where(Street.id.in_([k for k, _ in per_street]))).all()) if per_street else {}
    return [(k, names.get(k, str(k)), c) for k, c in per_street]


def whole_streets(place: Place) -> bool:
    """The city, or a whole street (the scope's or one chosen): the street
    counters (StatCountStreet) hold its figures, a few rows a street."""
    return place.area_id is None and place.community_id is None and place.grid_id is None


COUNTS = ("registered", "accepted", "agreements", "on_spot", "refused", "in_mediation", "unconcluded")
# The dashboard's other totals: label, counter column.
TOTALS = (("closed", "closed"), ("days_sum", "days_sum"), ("amount_total", "amount_sum"),
          ("amount_cases", "amount_n"), ("from_sweeps", "from_sweeps"), ("agreed_total", "agreed_sum"),
          ("agreed_cases", "agreed_n"))


# Built once per counter table: the dashboard sums them in seven statements a view.
@cache
def _sums(model) -> tuple:
    return tuple(func.coalesce(func.sum(getattr(model, name)), 0).label(name) for name in COUNTS)


@cache
def _totals(model) -> tuple:
    return tuple(func.coalesce(func.sum(getattr(model, column)), 0).label(label) for label, column in TOTALS)


def _from_counters(session, scope: Scope, place: Place, date_from: date, date_to: date, now,
                   by_street: bool = False) -> Dashboard:
    def where_of(model):
        return [model.month >= _month(date_from), model.month <= _month(date_to), *scope.clauses(place, model=model)]

    # The city's types alone are some 75,000 community rows over a province's
    # year, and some 4,000 street rows.
    model = StatCountStreet if whole_streets(place) else StatCount
    where = where_of(model)

    def grouped(dim, key, m=model, where=where):
        rows = session.execute(select(key.label("key"), *_sums(m)).where(*where, m.dim == dim)
                               .group_by(key).order_by(key))
        return [(row.key, _counts(row)) for row in rows if row.registered]

    row = session.execute(select(*_sums(model), *_totals(model)).where(*where, model.dim == "total")).one()
    closed = int(row.closed or 0)
    days = session.execute(select(model.key, func.sum(model.closed)).where(*where, model.dim == "days")
                           .group_by(model.key)).all()
    # Each community of the place: only the community counters have them.
    per_community = grouped("total", StatCount.community_id, StatCount, where_of(StatCount)) if not by_street else []
    names = dict(session.execute(
        select(Community.id, Community.name).where(Community.id.in_([k for k, _ in per_community]))
    ).all()) if per_community else {}
    streets = _named_streets(session, grouped("total", model.street_id)) if by_street else None
    months = dict(grouped("total", model.month))
    return Dashboard(
        date_from=date_from, date_to=date_to, totals=_counts(row),
        by_type=grouped("type", model.key),
        by_channel=grouped("channel", model.key),
        by_community=[(names.get(k, k), c) for k, c in per_community],
        by_month=[(m, months.get(m, Counts())) for m in _months(date_from, date_to)],
        closed=closed, mean_days=float(row.days_sum) / closed if closed else None,
        p90_days=_percentile_of_counts(sorted((int(k), int(n)) for k, n in days if n)),
        amount_total=Decimal(row.amount_total or 0).quantize(Decimal("0.01")),
        amount_cases=int(row.amount_cases or 0),
        agreed_total=Decimal(row.agreed_total or 0).quantize(Decimal("0.01")),
        agreed_cases=int(row.agreed_cases or 0),
        open_by_colour=open_by_colour(session, scope, place, now),
        sweeps=sweep_figures(session, scope, place, date_from, date_to, found=int(row.from_sweeps or 0)),
        by_street=streets,
    )


def open_by_colour(session, scope: Scope, place: Place, now) -> dict[str, int]:
    """Open cases by colour now: from the maintained counters
    (open_counts.py) for a street, an area, a community or the city; a grid
    or a mediator's cases are counted from the cases."""
    if open_counts.can_serve(scope, place):
        return open_counts.counted_open_by_colour(session, scope, place, now)
    return live_open_by_colour(session, scope, place, now)


def live_open_by_colour(session, scope: Scope, place: Place, now) -> dict[str, int]:
    """Open cases by colour, counted from the cases. Only a case in an open
    state with a deadline has a due time (the engine clears it on entering
    any other state), so the three colours are read from the (place, due_at,
    warn_at) indexes alone; those without a deadline are the open ones less
    the coloured."""
    where = scope.clauses(place)
    counts = {}
    for colour in ("red", "yellow", "blue"):
        counts[colour] = session.execute(
            select(func.count(Dispute.id)).where(*where, colour_clause(Dispute, colour, now))
        ).scalar()
    total = session.execute(select(func.count(Dispute.id)).where(*where, open_clause())).scalar()
    counts[NO_DEADLINE] = total - sum(counts.values())
    return counts


def whole_months(date_from: date, date_to: date) -> bool:
    return date_from.day == 1 and (date_to + timedelta(days=1)).day == 1


def dashboard(scope: Scope, place: Place, date_from: date, date_to: date, now, session=None,
              by_street: bool = False) -> Dashboard:
    """The figures of the cases registered from date_from to date_to (both
    included). Whole months of a street, area or community are read from the
    maintained counters (counters.py); a grid, or a period that cuts a month,
    is counted from the cases themselves. by_street: a city-wide place is
    given by street (by_street) instead of by community (the page; the
    exports keep every community)."""
    session = session or db.session
    by_street = by_street and streets_instead(scope, place)
    if place.grid_id is None and whole_months(date_from, date_to):
        board = _from_counters(session, scope, place, date_from, date_to, now, by_street)
    else:
        board = live_dashboard(scope, place, date_from, date_to, now, session, by_street)
    board.departments = department_figures(session, scope, place, date_from, date_to)
    board.alliance = alliance_figures(session, scope, place, date_from, date_to)
    board.opinions = opinion_figures(session, scope, place, date_from, date_to)
    return board


def live_dashboard(scope: Scope, place: Place, date_from: date, date_to: date, now, session=None,
                   by_street: bool = False) -> Dashboard:
    """The same figures counted from the cases (GROUP BY over the cohort)."""
    session = session or db.session
    where = _cohort(scope, place, date_from, date_to)
    days = days_between(Dispute.created_at, Dispute.closed_at)
    # One pass over the cohort for the totals, the days to close and the amounts.
    row = session.execute(select(
        *COUNT_COLUMNS, _flag(CLOSED).label("closed"), func.avg(case((CLOSED, days))).label("mean_days"),
        func.coalesce(func.sum(case((AGREED, Dispute.amount))), 0).label("amount_total"),
        func.count(case((AGREED, Dispute.amount))).label("amount_cases"),
        func.coalesce(func.sum(case((AGREED, Dispute.agreed_amount))), 0).label("agreed_total"),
        func.count(case((AGREED, Dispute.agreed_amount))).label("agreed_cases"),
    ).where(*where)).one()
    totals = _counts(row)
    closed, mean_days, amount_total, amount_cases = row.closed, row.mean_days, row.amount_total, row.amount_cases

    # Grouped on the index's own column; the few names are read afterwards.
    per_community = _grouped(session, Dispute.community_id, where) if not by_street else []
    streets = _named_streets(session, _grouped(session, Dispute.street_id, where)) if by_street else None
    names = dict(session.execute(
        select(Community.id, Community.name).where(Community.id.in_([k for k, _ in per_community]))
    ).all()) if per_community else {}
    month = local_month(Dispute.created_at, clock.utc_offset_hours())
    months = dict(_grouped(session, month, where))
    return Dashboard(
        date_from=date_from, date_to=date_to, totals=totals,
        by_type=_grouped(session, Dispute.dispute_type, where),
        by_channel=_grouped(session, Dispute.channel, where),
        by_community=[(names.get(k, k), c) for k, c in per_community],
        by_month=[(m, months.get(m, Counts())) for m in _months(date_from, date_to)],
        closed=int(closed or 0),
        mean_days=float(mean_days) if mean_days is not None else None,
        p90_days=percentile_days(session, where, int(closed or 0)),
        amount_total=Decimal(amount_total or 0).quantize(Decimal("0.01")),
        amount_cases=int(amount_cases or 0),
        agreed_total=Decimal(row.agreed_total or 0).quantize(Decimal("0.01")),
        agreed_cases=int(row.agreed_cases or 0),
        open_by_colour=open_by_colour(session, scope, place, now),
        sweeps=sweep_figures(session, scope, place, date_from, date_to),
        by_street=streets,
    )


def empty(date_from: date, date_to: date) -> Dashboard:
    """The figures of a period in which nothing can match (a reversed range)."""
    return Dashboard(date_from=date_from, date_to=date_to, totals=Counts(), by_type=[], by_channel=[],
                     by_community=[], by_month=[], closed=0, mean_days=None, p90_days=None,
                     amount_total=Decimal("0.00"), amount_cases=0, open_by_colour={}, sweeps=None)


def sweep_figures(session, scope: Scope, place: Place, date_from: date, date_to: date, found=None) -> dict:
    """Screening sweeps (app/followups): held (recorded as done, by the date
    they were held) and missed (their period ended in the chosen dates
    without a record), for communities and for the street; and the disputes
    of the cohort registered from a sweep (`found`, when the counters gave
    it). A grid filter counts the sweeps of the grid's community."""
    from ..sweeps.models import Sweep
    from ..org.models import Grid

    sweep_place = place
    if place.grid_id is not None:
        grid = session.get(Grid, place.grid_id)
        sweep_place = Place(street_id=place.street_id, area_id=place.area_id, community_id=grid.community_id)
    where = scope.clauses(sweep_place, model=Sweep)
    held = dict(session.execute(
        select(Sweep.level, func.count(Sweep.id))
        .where(*where, Sweep.state == "done", Sweep.held_on >= date_from, Sweep.held_on <= date_to)
        .group_by(Sweep.level)
    ).all())
    missed = session.execute(
        select(func.count(Sweep.id))
        .where(*where, Sweep.state == "missed", Sweep.period_end >= date_from, Sweep.period_end <= date_to)
    ).scalar()
    if found is None:  # a grid, or a period cutting a month: counted from the cases
        found = session.execute(select(func.count(Dispute.id)).where(
            *_cohort(scope, place, date_from, date_to), Dispute.sweep_id.is_not(None))).scalar()
    return {"community": int(held.get("community", 0)), "street": int(held.get("street", 0)),
            "missed": int(missed or 0), "found": int(found or 0)}


def alliance_figures(session, scope: Scope, place: Place, date_from: date, date_to: date) -> dict[str, int]:
    """The screening alliance (联合体): of the sweeps held in the period and
    place (as sweep_figures counts them), how many had at least one known
    person of each kind taking part (app/sweeps/alliance.py)."""
    from ..org.models import Grid
    from ..sweeps.models import Sweep, SweepParticipant

    if place.grid_id is not None:
        grid = session.get(Grid, place.grid_id)
        place = Place(street_id=place.street_id, area_id=place.area_id, community_id=grid.community_id)
    rows = session.execute(
        select(SweepParticipant.kind, func.count(func.distinct(Sweep.id)))
        .join(Sweep, Sweep.id == SweepParticipant.sweep_id)
        .where(*scope.clauses(place, model=Sweep), Sweep.state == "done", Sweep.held_on >= date_from,
               Sweep.held_on <= date_to)
        .group_by(SweepParticipant.kind)
    ).all()
    return {kind: int(n) for kind, n in rows}
