"""Legal opinions on the "today" page: a lawyer's requests waiting for their
answer (due: when they expire). A mediator hears of an opinion given by a
notification and acknowledges it on the case page: their today page, which
has a statement budget (tests/test_statement_budgets.py), sends no query here."""
from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import select

from workflows.legal_opinion import AWAITING

from ..engine.deadlines import colour
from ..extensions import db
from ..rota.models import Lawyer
from ..today import TodayItem
from .models import LegalOpinion


def opinion_work(user, now, until) -> list[TodayItem]:
    if user.role != "lawyer":
        return []
    rows = db.session.execute(
        select(LegalOpinion).join(Lawyer, Lawyer.id == LegalOpinion.lawyer_id)
        .where(Lawyer.user_id == user.id, LegalOpinion.state.in_(AWAITING))
        .order_by(LegalOpinion.due_at, LegalOpinion.id)).scalars()
    return [TodayItem("legal_opinion", _("Answer the request for a legal opinion on case %(case)s",
                                         case=row.dispute.title),
                      row.due_at, colour(row, now), url_for("opinions.show", opinion_id=row.id))
            for row in rows]
