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
from app.timeline import causal_order, oldest_first, timeline
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

        # Newest first (the case page), each step above what it set off, as the step just taken is on top;
        # oldest first (the case file), each step still before what it set off.
        newest = timeline(db.session.get(Dispute, case.id), "zh_Hans_CN")
        for history in ([e.action for e in newest], [e.action for e in oldest_first(newest)]):
            assert history.index("安排回访") == history.index("达成调解协议") + 1, history
            assert history.index("结案提交督导审核") == history.index("结案") + 1, history
        oldest = [e.action for e in oldest_first(newest)]
        assert oldest.index("受理") < oldest.index("达成调解协议") < oldest.index("结案")
        marked = [(e.action, e.set_off) for e in newest if e.action in ("安排回访", "达成调解协议")]
        assert marked[0] == ("达成调解协议", False) and marked[1:] and all(m == ("安排回访", True) for m in marked[1:])
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
    order, set_off = causal_order(events, causes)
    assert [(events[i].entity_type, events[i].trigger) for i in order] == [
        ("dispute", "close"), ("signoff", "create"), ("dispute", "agree"), ("followup", "create"),
        ("notice", "sent"), ("dispute", "accept"), ("followup", "cancel")]
    assert set_off == {1, 3, 4}
    assert causal_order(events, [None] * len(events)) == (list(range(len(events))), set())


def test_oldest_first_turns_the_steps_round_and_keeps_what_each_set_off_after_it():
    def entry(action, set_off=False):
        return SimpleNamespace(action=action, set_off=set_off)

    newest = [entry("close"), entry("review", True), entry("agree"), entry("plan", True), entry("notice", True),
              entry("accept")]
    assert [e.action for e in oldest_first(newest)] == ["accept", "agree", "plan", "notice", "close", "review"]
