"""The "legal opinions" section of a case page: the case's requests with
their states and the steps the current user may take on them."""
from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from workflows.legal_opinion import AWAITING

from .. import clock
from ..dates import deadline_text, moment_text
from ..disputes import row_steps
from ..disputes.loose_ends import loose_end
from ..disputes.row_steps import Panel
from ..extensions import db
from ..i18n import N_, translate
from .forms import step_form
from .models import LegalOpinion, staff_see_opinions
from .rules import CASE_STATES, works_on_case

# What each step did and what comes next, said after its button: "Done: Accept."
# left the lawyer to find the deadline. %(deadline)s is the request's due time
# (accepting keeps the request's own). Who is told is what notices.py tells.
OUTCOMES = {
    "accept": N_("Accepted: please give your opinion by %(deadline)s."),
    "decline": N_("Declined: the case's mediators are told, and the case is no longer shown to you."),
    "answer": N_("Opinion sent: the case's mediators are told and will acknowledge it."),
    "acknowledge": N_("Opinion acknowledged: the request is complete."),
    "withdraw": N_("Request withdrawn: the lawyer is told."),
}


def outcome(row, trigger: str) -> str | None:
    sentence = OUTCOMES.get(trigger)
    return translate(sentence) % {"deadline": deadline_text(row.due_at)} if sentence else None


# A request's steps, on the case page and the lawyer's page of the request
# (the answer's form shown opened: answering is what the lawyer came for).
STEPS = row_steps.RowSteps(
    entity_type="legal_opinion", name="opinion", anchor="opinions", endpoint="opinions.step", id_arg="opinion_id",
    step_form=step_form, fields=("opinion", "laws_cited"), open_steps=("answer",), outcome=outcome)


def reasons_of(rows) -> dict[int, str]:
    return row_steps.reasons_of(STEPS, rows)


def actions_for(row, user) -> list:
    return row_steps.actions_for(STEPS, row, user)


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


def withdrawn_by_step(dispute, user, dest: str) -> list:
    """The requests waiting for an answer that a step of the case into `dest`
    withdraws (rules.withdraw_with_case), each saying when it was asked."""
    if dispute.state not in CASE_STATES or dest in CASE_STATES or not staff_see_opinions(dispute, user):
        return []
    return [loose_end(o, o.lawyer.name, url_for("opinions.show", opinion_id=o.id),
                      hint=_("asked %(when)s", when=moment_text(o.requested_at)) if o.requested_at else None)
            for o in reversed(case_opinions(dispute.id)) if o.state in AWAITING]


def opinion_panel(dispute, history=None) -> Panel | None:
    """The section, or None when there is nothing to show. `history`: the
    case page's timeline entries, which name every request of the case (each
    has its "request" step, which tells its creation too): a case without a request, most of them, costs
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
    return Panel(row_steps.section_rows(STEPS, rows, clock.now()), may_ask)
