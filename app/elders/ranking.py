"""How well each elder suits a case: a score made of parts that can be said
in words. Pure: no database, no Flask; the caller gathers each elder's
current load and when they were last asked.

    expertise   +40  the dispute's type is among the elder's strong types
    category    +15  the elder's kind (老干部, 老教师, ...) suits the type (codes.CATEGORY_FIT)
    place       +25  lives in the case's community, or +10 in its street
    load        -10  for each invitation or case the elder has open now
    fairness    +1   for each day since the elder was last asked, at most +20
                     (never asked: +20), so the same few are not asked every time

Ties go to the lighter load, then to whoever has waited longer, then by name.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .codes import CATEGORY_FIT

EXPERTISE = 40
CATEGORY = 15
SAME_COMMUNITY = 25
SAME_STREET = 10
PER_OPEN = -10
FAIRNESS_PER_DAY = 1
FAIRNESS_CAP = 20


@dataclass(frozen=True)
class Candidate:
    elder_id: int
    name: str
    category: str
    expertise: tuple[str, ...]
    community_id: int
    street_id: int
    load: int
    last_invited_at: datetime | None


@dataclass(frozen=True)
class CaseFacts:
    dispute_type: str
    community_id: int
    street_id: int


@dataclass(frozen=True)
class Factor:
    """One part of a score: `code` names the rule, `points` what it adds,
    `value` what it was computed from (a count of open cases, a number of
    days, a type or kind code)."""

    code: str
    points: int
    value: int | str | None = None

    def as_dict(self) -> dict:
        return {"code": self.code, "points": self.points, "value": self.value}


@dataclass(frozen=True)
class Ranked:
    candidate: Candidate
    score: int
    factors: tuple[Factor, ...]


def factors(c: Candidate, case: CaseFacts, now: datetime) -> list[Factor]:
    parts = []
    if case.dispute_type in c.expertise:
        parts.append(Factor("expertise", EXPERTISE, case.dispute_type))
    if c.category in CATEGORY_FIT.get(case.dispute_type, ()):
        parts.append(Factor("category", CATEGORY, c.category))
    if c.community_id == case.community_id:
        parts.append(Factor("same_community", SAME_COMMUNITY))
    elif c.street_id == case.street_id:
        parts.append(Factor("same_street", SAME_STREET))
    parts.append(Factor("load", PER_OPEN * c.load, c.load))
    if c.last_invited_at is None:
        parts.append(Factor("never_asked", FAIRNESS_CAP))
    else:
        days = max((now - c.last_invited_at).days, 0)
        parts.append(Factor("days_since_asked", min(days * FAIRNESS_PER_DAY, FAIRNESS_CAP), days))
    return parts


def score(c: Candidate, case: CaseFacts, now: datetime) -> Ranked:
    parts = tuple(factors(c, case, now))
    return Ranked(c, sum(p.points for p in parts), parts)


def rank(candidates, case: CaseFacts, now: datetime) -> list[Ranked]:
    """Best first."""
    scored = [score(c, case, now) for c in candidates]
    oldest = datetime.min
    return sorted(
        scored,
        key=lambda r: (-r.score, r.candidate.load, r.candidate.last_invited_at or oldest,
                       r.candidate.name, r.candidate.elder_id),
    )
