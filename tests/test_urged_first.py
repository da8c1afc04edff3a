"""The referrals list puts the rows with urgings (督办) standing first among
the late ones, reading the row's `urged_at` (kept by the engine: the urge
step sets it, the row's next step clears it) instead of asking the log of
every row it sorts; the marks (`standing`, read from the log) agree with it."""
import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from app import clock, engine
from app.audit.verify import verify
from app.auth.models import User
from app.engine import UrgedMixin
from app.engine.registry import registered_models
from app.engine.timers import tick
from app.engine.urgings import keep_urged, standing, urgeable_states
from app.extensions import db
from app.disputes.models import Dispute
from app.followups.models import FollowUp
from app.referrals.models import Referral
from tests import factories as f
from tests import factories_followups as ff
from tests import factories_referrals as fr
from tests.factories import login
from tests.test_statement_budgets import statements_of

SENT = datetime(2026, 3, 2, 2, 0)  # 10:00 on 2 March, Shanghai
LATE = SENT + timedelta(hours=25)  # not acknowledged in time: escalated


def user_named(username):
    return db.session.execute(select(User).where(User.username == username)).scalar_one()


@pytest.fixture
def world(app):
    """Five referrals escalated at LATE (a to e) and one sent at LATE (fresh)."""
    with app.app_context():
        street, (c1, _c2), grids = f.org()
        mediator = f.user("mediator", community=c1)
        env = fr.department("环保", ack_hours=24, answer_days=10)
        case = f.dispute(mediator, grids[0], now=SENT)
        late = [fr.referral(case, env, mediator, now=SENT).id for _ in range(5)]
        tick(now=LATE)
        fresh = fr.referral(case, env, mediator, now=LATE).id
        w = dict(mediator=mediator.username, late=late, fresh=fresh, liaison=fr.liaison(env).username,
                 sup=f.user("supervisor", street=street).username)
        db.session.remove()
    clock.set_now(LATE)
    yield type("World", (), w)
    clock.set_now(None)


def fire(app, referral_id, trigger, username, now, **data):
    with app.app_context():
        engine.fire(db.session.get(Referral, referral_id), trigger, user_named(username), now=now, **data)
        db.session.remove()


def listed_ids(client, query=""):
    html = client.get(f"/referrals/{query}").get_data(as_text=True)
    return [int(i) for i in re.findall(r'data-referral="(\d+)"', html)]


def urged_at(app, model, entity_id):
    with app.app_context():
        value = db.session.get(model, entity_id).urged_at
        db.session.remove()
        return value


def test_the_urged_late_rows_come_first_then_the_other_late_ones_then_the_rest(app, world):
    a, b, c, d, e = world.late
    fire(app, b, "urge", world.sup, LATE, urging="请今日内签收。")
    fire(app, d, "urge", world.sup, LATE, urging="请今日内签收。")
    fire(app, d, "urge", world.sup, LATE + timedelta(hours=2), urging="再次督办。")
    fire(app, e, "urge", world.sup, LATE, urging="请今日内签收。")
    fire(app, e, "acknowledge", world.liaison, LATE + timedelta(hours=1))  # its urging is answered
    client = app.test_client()
    login(client, world.liaison)
    # b and d urged (by id: neither has a deadline while escalated), then a and c late, then the ones on time,
    # the soonest due first: fresh must be acknowledged in a day, e answered in ten.
    assert listed_ids(client) == [b, d, a, c, world.fresh, e]
    assert listed_ids(client, "?state=all") == [b, d, a, c, world.fresh, e]
    assert listed_ids(client, "?state=ack_escalated") == [b, d, a, c]
    with app.app_context():
        rows = list(db.session.execute(select(Referral).order_by(Referral.id)).scalars())
        kept = {r.id: r.urged_at for r in rows if r.urged_at is not None}
        marks = standing(Referral, rows)  # read from the log, as the marks are
        assert kept == {b: LATE, d: LATE + timedelta(hours=2)}
        assert {i: clock.local_date(at) for i, at in kept.items()} == {i: m.day for i, m in marks.items()}
        assert marks[d].count == 2
        assert verify() == []  # the column is no part of what the log must rebuild
        db.session.remove()


def test_an_urging_stands_until_the_rows_next_step_and_a_refused_urging_sets_nothing(app, world):
    a, b = world.late[:2]
    with app.app_context():
        referral = db.session.get(Referral, a)
        with pytest.raises(engine.Forbidden):  # a mediator may not urge: nothing written
            engine.fire(referral, "urge", user_named(world.mediator), now=LATE, urging="请签收。")
        with pytest.raises(engine.MissingData):  # nor an urging without its note
            engine.fire(db.session.get(Referral, a), "urge", user_named(world.sup), now=LATE)
        db.session.remove()
    assert urged_at(app, Referral, a) is None
    fire(app, a, "urge", world.sup, LATE, urging="请签收。")
    assert urged_at(app, Referral, a) == LATE
    client = app.test_client()
    login(client, world.liaison)
    assert listed_ids(client)[0] == a
    fire(app, a, "acknowledge", world.liaison, LATE + timedelta(hours=3))
    assert urged_at(app, Referral, a) is None
    fire(app, a, "start_work", world.liaison, LATE + timedelta(hours=4))
    assert urged_at(app, Referral, a) is None
    assert listed_ids(client)[0] == b  # the late one not urged comes first now
    # Withdrawn while urged: no urging stands on a closed row either.
    fire(app, b, "urge", world.sup, LATE, urging="请签收。")
    with app.app_context():
        engine.fire(db.session.get(Referral, b), "withdraw", user_named(world.mediator), "部门已另行处理", now=LATE)
        db.session.remove()
    assert urged_at(app, Referral, b) is None


def test_a_follow_up_keeps_its_urging_until_the_visit_is_recorded(app):
    agreed, escalated = datetime(2026, 3, 2, 2, 0), datetime(2026, 3, 15, 2, 0)
    with app.app_context():
        street, (c1, _c2), grids = f.org()
        lead = f.user("mediator", community=c1)
        case = ff.agreed_case(lead, grids[0], agreed)
        tick(now=escalated)
        late = next(x for x in ff.followups_of(case.id) if x.kind == "after_agreement")
        engine.fire(late, "urge", f.user("supervisor", street=street), now=escalated, urging="请本周内回访。")
        assert late.urged_at == escalated
        clock.set_now(escalated)
        ff.visit(late, lead)
        assert db.session.get(FollowUp, late.id).urged_at is None
        db.session.remove()


def test_every_model_with_an_urging_that_keeps_the_state_keeps_urged_at(app):
    urgeable = {model for _, model in registered_models() if urgeable_states(model.__workflow__)}
    assert urgeable == {Referral, FollowUp, Dispute}
    assert all(issubclass(model, UrgedMixin) for model in urgeable)


def test_an_urge_that_leaves_its_state_leaves_nothing_standing():
    """The case's `urge` presses for performance of a breached agreement and
    moves the case on: unlike an urging that keeps the state, nothing stands
    after it, and an urging standing before it ends."""
    case = Dispute(state="performing", urged_at=LATE)
    keep_urged(case, "urge", "breached", LATE)
    assert case.urged_at is None
    case.state = "submitted"
    keep_urged(case, "urge_mediators", "submitted", LATE)
    assert case.urged_at == LATE


def test_the_list_asks_the_log_once_for_its_marks_and_sends_no_more_statements_for_urged_rows(app, world):
    client = app.test_client()
    login(client, world.liaison)
    none_urged = statements_of(app, client, "/referrals/")
    fire(app, world.late[0], "urge", world.sup, LATE, urging="请今日内签收。")
    one_urged = statements_of(app, client, "/referrals/")
    for referral_id in world.late[1:3]:
        fire(app, referral_id, "urge", world.sup, LATE, urging="请今日内签收。")
    three_urged = statements_of(app, client, "/referrals/")
    assert len(three_urged) == len(one_urged)
    # The page sorts by the rows' own column; the log is read once, for the marks, and only when a row
    # says an urging stands on it (its urged_at): late rows that no one urged send no statement for it.
    assert [len([s for s in statements if "audit_events" in s]) for statements in
            (none_urged, one_urged, three_urged)] == [0, 1, 1]
    assert len(one_urged) == len(none_urged) + 1
    for statements in (none_urged, one_urged, three_urged):
        assert not [s for s in statements if "audit_events" in s and "FROM referrals" in s]
