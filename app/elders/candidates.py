"""The elders a case may ask, ranked, with conflicts flagged; and the one
rule for "may this elder be invited for that day?" that both the
suggestions page and the invite guard apply."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import selectinload

from .. import clock
from ..dates import day_text
from ..disputes.models import ANONYMOUS_REPORTER
from ..extensions import db
from . import conflicts as conflict_check
from .models import LOAD_STATES, ON_CASE_STATES, Elder, ElderAssignment
from .ranking import Candidate, CaseFacts, Ranked, rank


@dataclass
class Suggestion:
    elder: Elder
    ranked: Ranked
    position: int
    conflicts: list[dict] = field(default_factory=list)


@dataclass
class Unavailable:
    elder: Elder
    why: str


@dataclass
class Suggestions:
    ranked: list[Suggestion]
    unavailable: list[Unavailable]


def loads(elder_ids=None) -> dict[int, int]:
    query = (select(ElderAssignment.elder_id, func.count())
             .where(ElderAssignment.state.in_(LOAD_STATES)).group_by(ElderAssignment.elder_id))
    if elder_ids is not None:
        query = query.where(ElderAssignment.elder_id.in_(elder_ids))
    return dict(db.session.execute(query).all())


def last_invited(elder_ids=None) -> dict[int, datetime]:
    query = (select(ElderAssignment.elder_id, func.max(ElderAssignment.invited_at))
             .group_by(ElderAssignment.elder_id))
    if elder_ids is not None:
        query = query.where(ElderAssignment.elder_id.in_(elder_ids))
    return {k: v for k, v in db.session.execute(query).all() if v is not None}


def on_case(dispute_id: int, exclude_id: int | None = None) -> set[int]:
    query = select(ElderAssignment.elder_id).where(
        ElderAssignment.dispute_id == dispute_id, ElderAssignment.state.in_(ON_CASE_STATES))
    if exclude_id is not None:
        query = query.where(ElderAssignment.id != exclude_id)
    return set(db.session.execute(query).scalars())


def why_not_invitable(elder: Elder, dispute, day: date, *, load: int | None = None,
                      already: set[int] | None = None, exclude_id: int | None = None):
    """A message saying why this elder cannot be invited to this case for
    that (local) day, or None."""
    if not elder.active:
        return _l("%(name)s has retired from the council and cannot be invited.", name=elder.name)
    if elder.street_id != dispute.street_id:
        return _l("%(name)s does not serve this case's street.", name=elder.name)
    if elder.id in (already if already is not None else on_case(dispute.id, exclude_id)):
        return _l("%(name)s is already on this case.", name=elder.name)
    away = unavailable_problem(elder, day)
    if away is not None:
        return away
    load = loads([elder.id]).get(elder.id, 0) if load is None else load
    if load >= elder.max_concurrent:
        return _l("%(name)s already has %(load)s open invitations or cases, as many as they take (%(max)s).",
                  name=elder.name, load=load, max=elder.max_concurrent)
    return None


def unavailable_problem(elder: Elder, day: date):
    """The message when the elder marked that (local) day unavailable, with
    their note; None when they did not (inviting, and moving a session)."""
    away = elder.unavailable_on(day)
    if away is None:
        return None
    note = " (" + away.note + ")" if away.note else ""
    return _l("%(name)s is unavailable on %(day)s%(note)s.", name=elder.name, day=day_text(day), note=note)


def parties_to_check(dispute):
    return [p for p in dispute.parties if p.name != ANONYMOUS_REPORTER]


def conflicts_of(elder: Elder, dispute) -> list[dict]:
    return [c.as_dict() for c in conflict_check.find(elder, parties_to_check(dispute), dispute.grid_id)]


def facts_of(dispute) -> CaseFacts:
    return CaseFacts(dispute.dispute_type, dispute.community_id, dispute.street_id)


# Every elder's unavailable dates and declared relations are read (the rule and
# the conflict check): in one statement each, not one per elder (the case page
# offering the next elder sent 2 per elder of the street).
_OF_STREET = (select(Elder).where(Elder.street_id == bindparam("street_id"), Elder.active.is_(True))
              .options(selectinload(Elder.unavailable), selectinload(Elder.relations))
              .order_by(Elder.name, Elder.id))


def suggest(dispute, day: date, now: datetime | None = None) -> Suggestions:
    """The active elders of the case's street: those who may be invited for
    `day`, best first, and the others with the reason."""
    now = now or clock.now()
    elders = list(db.session.execute(_OF_STREET, {"street_id": dispute.street_id}).scalars())
    ids = [e.id for e in elders]
    load, last, already = loads(ids), last_invited(ids), on_case(dispute.id)
    free, unavailable = [], []
    for elder in elders:
        why = why_not_invitable(elder, dispute, day, load=load.get(elder.id, 0), already=already)
        if why:
            unavailable.append(Unavailable(elder, str(why)))
        else:
            free.append(elder)
    by_id = {e.id: e for e in free}
    candidates = [Candidate(e.id, e.name, e.category, tuple(e.expertise or ()), e.community_id, e.street_id,
                            load.get(e.id, 0), last.get(e.id)) for e in free]
    flags = {e.id: conflicts_of(e, dispute) for e in free}
    # Elders without a possible conflict first, each group by score: a declared relative of a party at the
    # top of the list, with the plain invite button, reads as the best choice (a stable sort keeps the rest).
    order = sorted(rank(candidates, facts_of(dispute), now), key=lambda r: (bool(flags[r.candidate.elder_id]), -r.score))
    ranked = [Suggestion(by_id[r.candidate.elder_id], r, i, flags[r.candidate.elder_id])
              for i, r in enumerate(order, start=1)]
    return Suggestions(ranked, unavailable)


def ranked_one(elder: Elder, dispute, day: date, now: datetime | None = None) -> Suggestion | None:
    """The elder's place in today's list for this case (None if not invitable)."""
    for suggestion in suggest(dispute, day, now).ranked:
        if suggestion.elder.id == elder.id:
            return suggestion
    return None
