"""The "五老和事会" section of a case page: the case's invitations with
their states, the steps the current user may take on them, and, when the
last invitation was declined or expired, the next candidate to ask."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from workflows.elder_assignment import PARTICIPATION

from .. import clock, engine
from ..disputes import row_steps
from ..disputes.loose_ends import LooseStep, loose_end
from ..i18n import translate
from ..extensions import db
from . import wording
from .candidates import Suggestion, suggest
from .forms import step_form
from .models import ON_CASE_STATES, Elder, ElderAssignment, staff_see_invitations
from .rules import CASE_STATES, WITHDRAWN_WITH_CASE, session_came, works_on_case

# An invitation's steps, on the case page, the elder's page and the elder's invitation.
STEPS = row_steps.RowSteps(
    entity_type="elder_assignment", name="elder", anchor="elders", endpoint="elders.step", id_arg="assignment_id",
    step_form=step_form, fields=("work_done", "advice", "report_outcome", "session_at", "session_place"), words=wording.words,
    outcome=wording.outcome)


@dataclass
class Panel(row_steps.Panel):
    next_candidate: Suggestion | None = None


def default_day(now: datetime | None = None):
    """The day suggestions are made for unless the mediator picks another: tomorrow."""
    return clock.local_date(now or clock.now()) + timedelta(days=1)


def reasons_of(assignments) -> dict[int, str]:
    return row_steps.reasons_of(STEPS, assignments)


def actions_for(assignment, user) -> list:
    return row_steps.actions_for(STEPS, assignment, user)


# Built once: every case page reads it.
# Each row shows its elder; the mediator's buttons for an invitation still to
# be answered ask whether the elder is free on the session's day (one
# statement for all of them, not one per elder).
# Whether the elder can still log in (else the mediator records for them) is read with the elder.
_OF_CASE = (select(ElderAssignment).options(joinedload(ElderAssignment.elder).selectinload(Elder.unavailable),
                                            joinedload(ElderAssignment.elder).joinedload(Elder.user))
            .where(ElderAssignment.dispute_id == bindparam("dispute_id")).order_by(ElderAssignment.id.desc()))


def case_assignments(dispute_id: int) -> list[ElderAssignment]:
    return list(db.session.execute(_OF_CASE, {"dispute_id": dispute_id}).scalars())


def open_on_case(dispute, user) -> list:
    """The invitations still open (the elder on the case), for the closing
    form (app/disputes/loose_ends.py); for those who see them on the case page.
    An accepted elder whose part is not yet recorded comes with the steps
    that record it (took part, did not come) that the reader may take."""
    if not staff_see_invitations(dispute, user):
        return []
    ends = []
    for a in reversed(case_assignments(dispute.id)):
        if a.state not in ON_CASE_STATES:
            continue
        steps = tuple(LooseStep(t.trigger, translate(t.label), STEPS.url(a, t.trigger), STEPS.step_form(t.trigger, a))
                      for t in engine.available(a, user) if t.trigger in PARTICIPATION)
        hint = _("Did the elder come to the session?") if steps else None
        # Its row on the case page (the invitation's own page is the elder's).
        url = url_for("disputes.show", case_id=dispute.id, _anchor=f"elder-invitation-{a.id}")
        ends.append(loose_end(a, a.elder.name, url, steps, hint))
    return ends


def withdrawn_by_step(dispute, user, dest: str) -> list:
    """The invitations that a step of the case into `dest` withdraws
    (rules.withdraw_with_case: not one accepted for a session that has come)."""
    if dispute.state not in CASE_STATES or dest in CASE_STATES or not staff_see_invitations(dispute, user):
        return []
    now = clock.now()
    return [loose_end(a, a.elder.name, url_for("disputes.show", case_id=dispute.id,
                                               _anchor=f"elder-invitation-{a.id}"))
            for a in reversed(case_assignments(dispute.id))
            if a.state in WITHDRAWN_WITH_CASE and not session_came(a, now)]


def elder_panel(dispute) -> Panel | None:
    if not staff_see_invitations(dispute, current_user):
        return None
    may_ask = works_on_case(dispute, current_user) and dispute.state in CASE_STATES
    assignments = case_assignments(dispute.id)
    if not assignments and not may_ask:
        return None
    now = clock.now()
    rows = row_steps.section_rows(STEPS, assignments, now)
    next_candidate = None
    # Someone said no, did not answer, stepped aside or did not come: offer who is next.
    ended = [a for a in assignments if a.state in ("declined", "expired", "withdrawn", "no_show")]
    if may_ask and ended and not any(a.state in ON_CASE_STATES for a in assignments):
        asked = {a.elder_id for a in assignments}
        # Never a flagged elder as "next": inviting one needs a reason, given on the suggestions page.
        next_candidate = next((s for s in suggest(dispute, default_day(now), now).ranked
                               if s.elder.id not in asked and not s.conflicts), None)
    return Panel(rows, may_ask, next_candidate)
