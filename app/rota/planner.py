"""The rota planner: a pure function from the seats to fill, the lawyers
with their unavailable dates, and the duties already fixed, to a plan.

No database, no clock, no global random: the same inputs, in any order,
give the same plan. Ties are broken by a hash of (Saturday, lawyer id).

What the plan guarantees:
- nobody sits on a date they marked unavailable, nor twice on one Saturday;
- every seat is filled that can be: a Saturday fills min(free seats,
  lawyers available and not already sitting); the rest is reported unfilled
  with the numbers behind it;
- fairness: among all plans that fill as many seats, it has the smallest sum
  of squared duty counts (duties kept from before count too). That is the
  optimum of a convex-cost flow, reached by moving one duty at a time along
  a chain of lawyers from a lawyer with two more duties than another, until
  no such chain exists. Lawyers who could sit on the same number of
  Saturdays then differ by at most one duty (unless their dates leave no
  chain at all, which a year of ordinary unavailability never does);
- back-to-back Saturdays are then avoided where an exchange of duties that
  keeps every count's fairness removes one;
- past duty counts only break ties: who has sat less before gets the odd
  extra duty of this plan, so remainders rotate between plans without a
  newcomer being loaded with catch-up duties.
"""
from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

WEEK = timedelta(days=7)


@dataclass(frozen=True, order=True)
class Seat:
    day: date
    room_id: int
    seat: int


@dataclass(frozen=True)
class Candidate:
    id: int
    unavailable: frozenset = frozenset()
    past: int = 0                      # duties sat before the range (a tie-breaker)
    last_before: date | None = None    # the last Saturday sat before the range


@dataclass(frozen=True, order=True)
class Assignment:
    day: date
    room_id: int
    seat: int
    lawyer_id: int


@dataclass(frozen=True, order=True)
class Unfilled:
    day: date
    room_id: int
    seat: int
    available: int   # lawyers who could sit that Saturday, beyond those kept there
    free_seats: int  # seats of that Saturday left to fill

    @property
    def reason(self) -> str:
        return "nobody_available" if self.available == 0 else "too_few_available"


@dataclass
class Plan:
    assignments: list[Assignment]
    unfilled: list[Unfilled]
    counts: dict[int, int]          # duties in the range per lawyer, kept ones included
    available_days: dict[int, int]  # Saturdays of the range each lawyer could sit
    back_to_back: int = 0
    kept: list[Assignment] = field(default_factory=list)


def _tie(day: date, lawyer_id: int) -> bytes:
    return hashlib.sha256(f"{day.isoformat()}:{lawyer_id}".encode()).digest()[:8]


class _State:
    def __init__(self, lawyers, days, held):
        self.lawyers = {c.id: c for c in lawyers}
        self.days = days
        self.sitting: dict[date, set[int]] = defaultdict(set)     # every lawyer sitting a day
        self.new: dict[date, set[int]] = defaultdict(set)         # the movable ones among them
        self.sat: dict[int, set[date]] = defaultdict(set)         # days per lawyer
        self.load: dict[int, int] = {c.id: 0 for c in lawyers}
        for h in held:
            self.sitting[h.day].add(h.lawyer_id)
            self.sat[h.lawyer_id].add(h.day)
            if h.lawyer_id in self.load:
                self.load[h.lawyer_id] += 1

    def can_sit(self, lawyer_id: int, day: date) -> bool:
        return day not in self.lawyers[lawyer_id].unavailable and lawyer_id not in self.sitting[day]

    def add(self, lawyer_id, day):
        self.sitting[day].add(lawyer_id)
        self.new[day].add(lawyer_id)
        self.sat[lawyer_id].add(day)
        self.load[lawyer_id] += 1

    def remove(self, lawyer_id, day):
        self.sitting[day].discard(lawyer_id)
        self.new[day].discard(lawyer_id)
        self.sat[lawyer_id].discard(day)
        self.load[lawyer_id] -= 1

    def adjacent(self, lawyer_id: int, day: date, days: set[date] | None = None) -> int:
        days = self.sat[lawyer_id] if days is None else days
        last = self.lawyers[lawyer_id].last_before
        return sum(1 for other in (day - WEEK, day + WEEK) if other in days or other == last)

    def back_to_back(self, lawyer_id: int, days: set[date] | None = None) -> int:
        days = self.sat[lawyer_id] if days is None else days
        last = self.lawyers[lawyer_id].last_before
        return sum(1 for d in days if d - WEEK in days or d - WEEK == last)


def plan(seats, lawyers, held=()) -> Plan:
    """Fill `seats` (Seat) with `lawyers` (Candidate, active ones only),
    keeping `held` (Assignment: duties that stay as they are)."""
    lawyers = sorted(lawyers, key=lambda c: c.id)
    held = sorted(held)
    held_seats = {(h.day, h.room_id, h.seat) for h in held}
    free: dict[date, list[Seat]] = defaultdict(list)
    for s in sorted(set(seats)):
        if (s.day, s.room_id, s.seat) not in held_seats:
            free[s.day].append(s)
    days = sorted({s.day for s in seats} | {h.day for h in held})
    state = _State(lawyers, days, held)

    unfilled = _fill(state, free)
    _rebalance(state)
    _avoid_back_to_back(state)

    assignments = []
    for day, day_seats in sorted(free.items()):
        chosen = sorted(state.new[day], key=lambda i: _tie(day, i))
        assignments.extend(Assignment(s.day, s.room_id, s.seat, i) for s, i in zip(day_seats, chosen))
    return Plan(
        assignments=sorted(assignments),
        unfilled=unfilled,
        counts=dict(state.load),
        available_days={c.id: sum(1 for d in days if d not in c.unavailable) for c in lawyers},
        back_to_back=sum(state.back_to_back(c.id) for c in lawyers),
        kept=list(held),
    )


def _fill(state: _State, free) -> list[Unfilled]:
    """Chronologically, each seat to the least loaded lawyer who can sit."""
    unfilled = []
    for day in sorted(free):
        need = len(free[day])
        candidates = [i for i in state.lawyers if state.can_sit(i, day)]
        candidates.sort(key=lambda i: (state.load[i], state.adjacent(i, day), state.lawyers[i].past, _tie(day, i)))
        for i in candidates[:need]:
            state.add(i, day)
        for s in free[day][len(candidates):]:
            unfilled.append(Unfilled(s.day, s.room_id, s.seat, len(candidates), need))
    return unfilled


def _rebalance(state: _State) -> None:
    """Move duties along chains from the more loaded to the less loaded
    until no lawyer can take one from someone with two more."""
    while True:
        for low in sorted(state.lawyers, key=lambda i: (state.load[i], state.lawyers[i].past, i)):
            chain = _chain_to_richer(state, low)
            if chain:
                for taker, day, giver in chain:
                    state.remove(giver, day)
                for taker, day, giver in chain:
                    state.add(taker, day)
                break
        else:
            return


def _chain_to_richer(state: _State, start: int):
    """Breadth-first over "x can take day d from y": a chain from `start`
    to a lawyer with at least two more duties, as [(taker, day, giver)]."""
    want = state.load[start] + 2
    came_from = {start: None}
    queue = [start]
    for x in queue:
        for day in state.days:
            if not state.new[day] or not state.can_sit(x, day):
                continue
            for y in sorted(state.new[day]):
                if y in came_from:
                    continue
                came_from[y] = (x, day)
                if state.load[y] >= want:
                    chain = []
                    node = y
                    while came_from[node] is not None:
                        taker, d = came_from[node]
                        chain.append((taker, d, node))
                        node = taker
                    return chain
                queue.append(y)
    return None


def _avoid_back_to_back(state: _State) -> None:
    """Exchange duties between two lawyers (or hand one to a lawyer with one
    duty fewer) wherever that lowers the number of back-to-back Saturdays.
    Neither changes the sum of squared counts, so fairness is kept."""
    improved = True
    while improved:
        improved = False
        for lawyer in sorted(state.lawyers):
            for day in sorted(d for d in state.sat[lawyer] if lawyer in state.new[d]):
                if state.adjacent(lawyer, day) and _improve(state, lawyer, day):
                    improved = True
                    break
            if improved:
                break


def _improve(state: _State, lawyer: int, day: date) -> bool:
    mine = state.sat[lawyer]
    before_mine = state.back_to_back(lawyer)
    for other in sorted(state.lawyers):
        if other == lawyer or not state.can_sit(other, day):
            continue
        theirs = state.sat[other]
        before = before_mine + state.back_to_back(other)
        # Hand the duty over when that keeps the counts as fair as they are.
        if state.load[other] == state.load[lawyer] - 1:
            if state.back_to_back(lawyer, mine - {day}) + state.back_to_back(other, theirs | {day}) < before:
                state.remove(lawyer, day)
                state.add(other, day)
                return True
        # Or exchange it for one of theirs.
        for their_day in sorted(d for d in theirs if other in state.new[d]):
            if their_day == day or not state.can_sit(lawyer, their_day):
                continue
            after = (state.back_to_back(lawyer, (mine - {day}) | {their_day})
                     + state.back_to_back(other, (theirs - {their_day}) | {day}))
            if after < before:
                state.remove(lawyer, day)
                state.remove(other, their_day)
                state.add(lawyer, their_day)
                state.add(other, day)
                return True
    return False
