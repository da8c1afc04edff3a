"""A step before what it set off: a step's effects (the follow-up an
agreement plans, the review a closure asks for) record their events before the
step records its own, and the histories showed "安排回访" before "达成调解协议".
Their events now name the step as their cause, and the histories place them
after it."""
from types import SimpleNamespace

from sqlalchemy import select

from app.audit.chain import CAUSE
from app.audit.models import AuditEvent
from app.audit.personal import open_all
from app.audit.verify import verify
from app.disputes.models import Dispute
from app.extensions import db
from app.timeline import causal_order, timeline
from tests import factories_supervision as fs


def test_a_step_s_effects_name_it_and_follow_it_in_the_case_s_history(app):
    with app.app_context():
        w = fs.two_streets()
        case = fs.closed_case(fs.user_named(w.m_a1), fs.grid(w.grid_a1))
        rows = db.session.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars().all()
        causes = {(e.entity_type, e.trigger): p.get(CAUSE) for e, p in zip(rows, open_all(rows, db.session))}
        assert causes[("followup", "create")] == f"dispute:{case.id}:agree"
        assert causes[("signoff", "create")] == f"dispute:{case.id}:close"
        assert causes[("dispute", "agree")] is None  # a step of its own
        # The log keeps the order things were written in; the history tells them in the order they happened.
        agree, planned = (next(e.id for e in rows if (e.entity_type, e.trigger) == key)
                          for key in (("dispute", "agree"), ("followup", "create")))
        assert planned < agree

        history = [entry.action for entry in reversed(timeline(db.session.get(Dispute, case.id), "zh_Hans_CN"))]
        assert history.index("达成调解协议") < history.index("安排回访")
        close = history.index("结案")
        assert history.index("结案提交督导审核") == close + 1
        assert verify() == []


def _event(entity_type, entity_id, trigger):
    return SimpleNamespace(entity_type=entity_type, entity_id=entity_id, trigger=trigger)


def test_the_causal_order_moves_only_events_whose_cause_is_shown_and_keeps_the_rest():
    # Newest first, as the log is read: the effects of "agree" (recorded before it), an older step, an event
    # whose cause is not on this page, and an effect of an effect.
    events = [_event("dispute", 1, "close"), _event("signoff", 9, "create"), _event("dispute", 1, "agree"),
              _event("followup", 5, "create"), _event("notice", 3, "sent"), _event("dispute", 1, "accept"),
              _event("followup", 4, "cancel")]
    causes = [None, "dispute:1:close", None, "dispute:1:agree", "followup:5:create", None, "dispute:7:withdraw"]
    order = causal_order(events, causes)
    assert [(events[i].entity_type, events[i].trigger) for i in order] == [
        ("signoff", "create"), ("dispute", "close"), ("notice", "sent"), ("followup", "create"),
        ("dispute", "agree"), ("dispute", "accept"), ("followup", "cancel")]
    assert causal_order(events, [None] * len(events)) == list(range(len(events)))
