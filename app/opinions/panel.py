"""The "legal opinions" section of a case page: the case's requests with
their states and the steps the current user may take on them."""
from __future__ import annotations

from dataclasses import dataclass, field

from flask import g, url_for
from flask_login import current_user
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from .. import clock, engine
from ..audit.models import AuditEvent
from ..engine.deadlines import colour
from ..extensions import db
from ..i18n import current_locale
from ..disputes.loose_ends import loose_end
from ..labels import reason_text
from .forms import step_form
from .models import LegalOpinion, staff_see_opinions
from .rules import CASE_STATES, works_on_case

# The triggers whose reason the panel shows (read from the audit log, the one place it is kept).
REASONED = ("decline", "withdraw")


@dataclass
class Row:
    opinion: LegalOpinion
    colour: str | None
    reason: str | None
    actions: list = field(default_factory=list)  # (transition, form)


@dataclass
class Panel:
    rows: list[Row]
    may_ask: bool


_REASONS = (select(AuditEvent.entity_id, AuditEvent.reason)
            .where(AuditEvent.entity_type == "legal_opinion",
                   AuditEvent.entity_id.in_(bindparam("ids", expanding=True)), AuditEvent.trigger.in_(REASONED)))


def reasons_of(rows) -> dict[int, str]:
    ids = [r.id for r in rows if r.state in ("declined", "withdrawn")]
    if not ids:
        return {}
    locale = current_locale()
    return {i: reason_text(reason, locale) for i, reason in db.session.execute(_REASONS, {"ids": ids}).all()}


def actions_for(row, user) -> list:
    submitted = g.get("opinion_step")
    forms = []
    for t in engine.available(row, user):
        data = submitted[2] if submitted and submitted[:2] == (row.id, t.trigger) else None
        forms.append((t, data or step_form(t.trigger, row)))
    return forms


# Built once: every case page reads it (one statement, the lawyers joined).
_OF_CASE = (select(LegalOpinion).options(joinedload(LegalOpinion.lawyer))
            .where(LegalOpinion.dispute_id == bindparam("dispute_id")).order_by(LegalOpinion.id.desc()))


def case_opinions(dispute_id: int) -> list[LegalOpinion]:
    return list(db.session.execute(_OF_CASE, {"dispute_id": dispute_id}).scalars())


def open_on_case(dispute, user) -> list:
    """The requests not yet ended (an opinion given but not acknowledged among
    them), for the closing form (app/disputes/loose_ends.py); for those who
    read the case's opinions."""
    if not staff_see_opinions(dispute, user):
        return []
    return [loose_end(o, o.lawyer.name, url_for("opinions.show", opinion_id=o.id))
            for o in reversed(case_opinions(dispute.id)) if not o.__workflow__.state(o.state).terminal]


def opinion_panel(dispute, history=None) -> Panel | None:
    """The section, or None when there is nothing to show. `history`: the
    case page's timeline entries, which name every request of the case (each
    has its creation event): a case without a request, most of them, costs
    the page no statement (tests/test_statement_budgets.py)."""
    may_ask = works_on_case(dispute, current_user) and dispute.state in CASE_STATES
    if not staff_see_opinions(dispute, current_user):
        rows = []  # a grid worker sees the case, not the questions put to a lawyer nor the answers
    elif history is not None and not any(e.entity_type == "legal_opinion" for e in history):
        rows = []
    else:
        rows = case_opinions(dispute.id)
    if not rows and not may_ask:
        return None
    now = clock.now()
    reasons = reasons_of(rows)
    return Panel([Row(r, colour(r, now), reasons.get(r.id), actions_for(r, current_user)) for r in rows], may_ask)
