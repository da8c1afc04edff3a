"""The follow-ups on the today page (installed by the package's init_app)."""
from __future__ import annotations

from flask import url_for
from sqlalchemy import or_, select

from workflows.followup import OPEN

from ..clock import local_date
from ..dates import day_text
from ..disputes.models import Dispute
from ..disputes.scope import scope_clause
from ..engine.deadlines import colour, late_states
from ..engine.urgings import standing
from ..extensions import db
from ..i18n import catalogue, current_locale, translate
from ..today import ESCALATED_FOLLOWUP, TodayItem
from .models import FollowUp
from .scope import works_on_clause


class _Words:
    """The page's language, looked up once: a mediator's list may hold 200
    follow-ups, and Flask-Babel finds the language again for every string and
    date (through its context and `g`), which cost more than the rest of the row."""

    def __init__(self, locale: str):
        texts = catalogue(locale)
        self.title = texts.gettext("Follow-up of case %(case)s")
        self.detail = texts.gettext("%(state)s · planned for %(day)s")
        self.locale = locale
        self._states: dict[str, str] = {}
        self._days: dict = {}

    def state(self, row) -> str:
        if row.state not in self._states:
            self._states[row.state] = translate(row.__workflow__.state(row.state).label, self.locale)
        return self._states[row.state]

    def day(self, moment) -> str:
        day = local_date(moment)
        if day not in self._days:
            self._days[day] = day_text(day, self.locale)
        return self._days[day]


class _Due:
    """What the page shows of a follow-up, from one row of columns: 200 rows
    loaded as FollowUp and Dispute objects cost most of the page."""
    __workflow__ = FollowUp.__workflow__
    __slots__ = ("id", "state", "due_at", "warn_at", "deadline_started_at", "state_entered_at", "visit_by",
                 "planned_for", "case_title")

    COLUMNS = (FollowUp.id, FollowUp.state, FollowUp.due_at, FollowUp.warn_at, FollowUp.deadline_started_at,
               FollowUp.state_entered_at, FollowUp.visit_by, FollowUp.planned_for, Dispute.file_no, Dispute.id)

    def __init__(self, row):
        (self.id, self.state, self.due_at, self.warn_at, self.deadline_started_at, self.state_entered_at,
         self.visit_by, self.planned_for, file_no, case_id) = row
        self.case_title = Dispute.title_of(file_no, case_id)


def _followup_title(row: _Due, words: _Words) -> str:
    return words.title % {"case": row.case_title}


def _followup_detail(row: _Due, words: _Words) -> str:
    return words.detail % {"state": words.state(row), "day": words.day(row.planned_for)}


def followups_due(user, now, until) -> list[TodayItem]:
    """A mediator's follow-ups of the cases they work on; a supervisor's
    escalated follow-ups in their street."""
    if user.role not in ("mediator", "supervisor"):
        return []
    query = (select(*_Due.COLUMNS).join(Dispute, Dispute.id == FollowUp.dispute_id)
             .where(scope_clause(user), FollowUp.state.in_(OPEN)))
    late = late_states(FollowUp.__workflow__)
    if user.role == "mediator":
        query = query.where(works_on_clause(user), or_(FollowUp.due_at < until, FollowUp.state.in_(late)))
    else:
        query = query.where(FollowUp.state == "escalated")
    rows = [_Due(row) for row in db.session.execute(query.order_by(FollowUp.due_at, FollowUp.id).limit(200))]
    # Every item is due by its visit's last day (`visit_by`), as the follow-ups list says, and is work
    # from its planned day on. A row's own due time is not that: a scheduled follow-up's is the moment
    # it becomes due (its planned day's first moment, which read "by the end of" the day before, and
    # listed a visit planned for tomorrow under today), a late one's its escalation.
    words = _Words(current_locale())
    urged = standing(FollowUp, rows)
    # A supervisor's are escalated ones, waiting on their push: before the routine work.
    escalation = ESCALATED_FOLLOWUP if user.role == "supervisor" else 0
    return [TodayItem(kind="followup", title=_followup_title(row, words), due_at=row.visit_by,
                      colour=colour(row, now), url=url_for("followups.show", followup_id=row.id),
                      detail=_followup_detail(row, words), open_since=row.planned_for,
                      urged=urged.get(row.id), escalation=escalation)
            for row in rows]
