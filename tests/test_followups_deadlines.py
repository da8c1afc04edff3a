"""The one colour rule at its exact boundaries, for one row (colour) and in
SQL (colour_clause), including the "late" states that are red whatever
their next due time."""
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from app.disputes.models import Dispute
from app.engine.deadlines import COLOURS, NO_DEADLINE, colour, colour_clause, urgency_order
from app.engine.timers import tick
from app.extensions import db
from app.followups.models import FollowUp
from app.sweeps.models import Sweep
from tests import factories as f
from tests import factories_followups as ff

AGREED = datetime(2026, 3, 2, 2, 0)
MAR_9, MAR_12, MAR_14 = datetime(2026, 3, 8, 16), datetime(2026, 3, 11, 16), datetime(2026, 3, 13, 16)
TICK = timedelta(microseconds=1)


def sql_colour(model, row_id, now) -> str:
    """The colour the lists' SQL filter gives the row (exactly one must match)."""
    matches = [c for c in COLOURS + (NO_DEADLINE,)
               if db.session.execute(select(model.id).where(model.id == row_id,
                                                           colour_clause(model, c, now))).first()]
    assert len(matches) == 1, matches
    return matches[0]


@pytest.fixture
def followup_id(app):
    with app.app_context():
        street, (c1, _), grids = f.org()
        m = f.user("mediator", community=c1)
        case = ff.agreed_case(m, grids[0], AGREED, perform_by=None)
        [fu] = ff.followups_of(case.id)
        tick(now=MAR_9)
        return fu.id


def test_a_due_follow_up_turns_yellow_and_red_exactly_at_its_thresholds(app, followup_id):
    with app.app_context():
        fu = db.session.get(FollowUp, followup_id)
        assert fu.state == "due"
        # Due at local midnight on 9 March, to be made by midnight on 11/12 March:
        # yellow for the last fifth of those three days (14.4 hours).
        assert fu.deadline_started_at == MAR_9 and fu.due_at == MAR_12
        warn = MAR_12 - timedelta(hours=14, minutes=24)
        assert fu.warn_at == warn
        for now, expected in [(MAR_9, "blue"), (warn - TICK, "blue"), (warn, "yellow"), (MAR_12 - TICK, "yellow"),
                              (MAR_12, "red")]:
            assert colour(fu, now) == expected, now
            assert sql_colour(FollowUp, fu.id, now) == expected, now


def test_the_yellow_share_is_a_setting(app, followup_id):
    app.config["DEADLINE_YELLOW_SHARE"] = 0.5
    with app.app_context():
        street, (c1, _), grids = f.org()
        m = f.user("mediator", community=c1)
        case = ff.agreed_case(m, grids[0], AGREED, perform_by=None)
        tick(now=MAR_9)
        [fu] = ff.followups_of(case.id)
        half = MAR_9 + (MAR_12 - MAR_9) / 2
        assert (colour(fu, half - TICK), colour(fu, half)) == ("blue", "yellow")


def test_overdue_and_escalated_follow_ups_are_red_though_their_next_step_is_ahead(app, followup_id):
    with app.app_context():
        tick(now=MAR_12)
        fu = db.session.get(FollowUp, followup_id)
        assert fu.state == "overdue" and fu.due_at == MAR_14  # the escalation is still ahead...
        assert colour(fu, MAR_12) == "red" == sql_colour(FollowUp, fu.id, MAR_12)  # ...but it is late already
        tick(now=MAR_14)
        fu = db.session.get(FollowUp, followup_id)
        assert fu.state == "escalated" and fu.due_at is None
        assert colour(fu, MAR_14) == "red" == sql_colour(FollowUp, fu.id, MAR_14)
        # Done: no deadline any more.
        ff.visit(fu, db.session.get(f.User, fu.dispute.assignee_id), "fully", visited_on=date(2026, 3, 13))
        fu = db.session.get(FollowUp, followup_id)
        assert colour(fu, MAR_14) is None and sql_colour(FollowUp, fu.id, MAR_14) == NO_DEADLINE


def test_urgency_puts_late_rows_first(app, followup_id):
    with app.app_context():
        street, (c1, _), grids = f.org()
        m = f.user("mediator", community=c1)
        later = ff.agreed_case(m, grids[0], AGREED + timedelta(days=2), perform_by=None)
        tick(now=MAR_12)
        [second] = ff.followups_of(later.id)
        first = db.session.get(FollowUp, followup_id)
        # Both are next due at the same moment; the late one is the more urgent.
        assert (first.state, first.due_at, second.state, second.due_at) == ("overdue", MAR_14, "due", MAR_14)
        assert colour(second, MAR_12) == "blue"
        ordered = db.session.execute(select(FollowUp.id).order_by(*urgency_order(FollowUp, MAR_12))).scalars().all()
        assert ordered[0] == followup_id


def test_cases_keep_their_plain_index_friendly_colour_clauses(app):
    with app.app_context():
        now = datetime(2026, 3, 1)
        for c in COLOURS + (NO_DEADLINE,):
            assert "state" not in str(colour_clause(Dispute, c, now))
        assert "state" in str(colour_clause(FollowUp, "red", now))
        assert "state" in str(colour_clause(Sweep, "blue", now))
