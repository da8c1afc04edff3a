"""The legal opinions' figures: the requests put to volunteer lawyers
(app/opinions) in the chosen period, on the cases of the chosen place, by
where each stands now, counted in one statement grouped by state:

- asked        requests made on a day of the period (their request time)
- awaiting     of those, not answered yet (requested or accepted)
- answered     the lawyer gave the opinion (answered, or acknowledged since)
- declined     the lawyer declined
- expired      no answer in time (the timer)
- withdrawn    withdrawn by the mediator, or by the system when the case's
               step ended what a lawyer can be asked for
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from .. import clock
from ..disputes.models import Dispute
from ..opinions.models import LegalOpinion
from .scope import Place, Scope

# Where a request stands, by its state (the draft never rests: see workflows/legal_opinion.py).
STANDING = {"requested": "awaiting", "accepted": "awaiting", "answered": "answered", "acknowledged": "answered",
            "declined": "declined", "expired": "expired", "withdrawn": "withdrawn"}


@dataclass
class OpinionFigures:
    asked: int = 0
    awaiting: int = 0
    answered: int = 0
    declined: int = 0
    expired: int = 0
    withdrawn: int = 0


def opinion_figures(session, scope: Scope, place: Place, date_from: date, date_to: date) -> OpinionFigures:
    rows = session.execute(
        select(LegalOpinion.state, func.count(LegalOpinion.id))
        .join(Dispute, Dispute.id == LegalOpinion.dispute_id)
        .where(*scope.clauses(place), *clock.on_local_days(LegalOpinion.requested_at, date_from, date_to))
        .group_by(LegalOpinion.state)
    ).all()
    figures = OpinionFigures()
    for state, n in rows:
        figures.asked += n
        standing = STANDING.get(state)
        if standing:
            setattr(figures, standing, getattr(figures, standing) + n)
    return figures
