"""The open cases' counters (app/supervision/open_counts.py) against a count
of the cases themselves (stats.live_open_by_colour), after a seeded random
run of engine steps and timer ticks, at many moments: the deadlines' and the
warnings' own instants, a microsecond either side, and the centre's local
midnights (Asia/Shanghai, UTC+8: 16:00 UTC), for the city, a street, an area
and a community; a rolled-back step changes nothing; rebuild gives the rows
the listener keeps. The statistics' street counters (stat_counts_street) are
checked along the same run against the community counters summed per street
and a count of the cases."""
import math
import random
from collections import Counter
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from app import clock, engine
from app.disputes.models import Dispute
from app.engine.errors import Refused
from app.engine.timers import tick
from app.extensions import db
from app.org.models import Area, Community
from app.supervision import open_counts, stats
from app.supervision import counters
from app.supervision.counters import StatCount, StatCountStreet, month_of, rebuild
from app.supervision.open_counts import OpenCount
from app.supervision.scope import Place, Scope
from tests import factories as f
from tests import factories_supervision as fs

START = datetime(2026, 3, 2, 1, 0)  # 09:00 in Shanghai
MICRO = timedelta(microseconds=1)
ENDINGS = ("reject", "withdraw", "resolve_on_spot", "fail", "party_refuses")


@pytest.fixture
def world(app):
    with app.app_context():
        w = fs.two_streets()
        area = Area(street_id=w.street_a, name="片区一")
        db.session.add(area)
        db.session.flush()
        db.session.get(Community, w.a2).area_id = w.area = area.id
        db.session.commit()
        db.session.remove()
        return w


def counter_rows():
    """The rows that count (a row whose count fell to 0 stays until a rebuild)."""
    return sorted((r.community_id, r.street_id, r.is_open, r.late, r.due_day, r.warn_day, r.n)
                  for r in db.session.execute(select(OpenCount)).scalars() if r.n)


STREET_COUNTS = ("registered", "accepted", "agreements", "on_spot", "closed", "amount_n", "agreed_n", "refused",
                 "in_mediation", "unconcluded")


def street_rows(rows, key):
    """{(month, street, dim, key): counts} of the counter rows given, summed
    by street; days_sum (a float sum, whose last bit depends on the order of
    the additions) rounded."""
    summed: dict = {}
    for r in rows:
        k = (r.month, r.street_id, r.dim, key(r))
        vector = tuple(getattr(r, name) for name in STREET_COUNTS) + (r.amount_sum, r.agreed_sum, r.days_sum)
        before = summed.get(k, (0,) * len(vector))
        summed[k] = tuple(a + b for a, b in zip(before, vector))
    return {k: v[:-1] + (round(v[-1], 6),) for k, v in summed.items() if any(v)}


def hand_counts() -> Counter:
    """(month, street, dim, key, figure) -> n, counted from the cases."""
    counts: Counter = Counter()
    for d in db.session.execute(select(Dispute)).scalars():
        place = (month_of(d.created_at), d.street_id)
        accepted = d.file_seq is not None
        for dim, key in (("total", ""), ("type", d.dispute_type), ("channel", d.channel)):
            counts[place + (dim, key, "registered")] += 1
            counts[place + (dim, key, "accepted")] += accepted
            counts[place + (dim, key, "agreements")] += accepted and d.agreed_at is not None
            counts[place + (dim, key, "in_mediation")] += (accepted and d.agreed_at is None
                                                           and d.state in ("accepted", "assigned", "mediating",
                                                                           "extended"))
            # Not concluded: no agreement, awaiting acceptance (待受理) or still being mediated.
            counts[place + (dim, key, "unconcluded")] += (d.agreed_at is None and d.state in (
                "submitted", "accepted", "assigned", "mediating", "extended"))
        if d.closed_at is not None:
            counts[place + ("total", "", "closed")] += 1
            days = math.floor((d.closed_at - d.created_at).total_seconds() / 86400)
            counts[place + ("days", str(days), "closed")] += 1
    return +counts


def assert_street_counters_match():
    street = db.session.execute(select(StatCountStreet)).scalars().all()
    summed = street_rows(db.session.execute(select(StatCount)).scalars(), lambda r: r.key)
    assert street_rows(street, lambda r: r.key) == summed
    counted: Counter = Counter()
    for r in street:
        for name in ("registered", "accepted", "agreements", "closed", "in_mediation", "unconcluded"):
            counted[(r.month, r.street_id, r.dim, r.key, name)] += getattr(r, name)
    assert +counted == hand_counts()
    return street_rows(street, lambda r: r.key)


def views(w):
    city, street = fs.user_named(w.sup_city), fs.user_named(w.sup_a)
    return [(Scope(city), Place()), (Scope(fs.user_named(w.admin)), Place(street_id=w.street_b)),
            (Scope(street), Place()), (Scope(street), Place(area_id=w.area)),
            (Scope(street), Place(community_id=w.a1)), (Scope(fs.user_named(w.sup_b)), Place())]


def moments(now):
    """Now, the local midnights around it, and every case's deadline and
    warning instants with a microsecond either side."""
    today = clock.local_date(now)
    found = {now, now - MICRO, now + timedelta(days=3), now - timedelta(days=40)}
    for day in (today - timedelta(days=1), today, today + timedelta(days=1), today + timedelta(days=2)):
        midnight = clock.day_start(day)
        found |= {midnight - MICRO, midnight, midnight + MICRO}
    for due_at, warn_at in db.session.execute(select(Dispute.due_at, Dispute.warn_at)):
        for moment in (due_at, warn_at):
            if moment is not None:
                found |= {moment - MICRO, moment, moment + MICRO}
    return sorted(found)


def assert_counters_match_the_cases(w, now):
    checked = 0
    for scope, place in views(w):
        assert open_counts.can_serve(scope, place)
        for moment in moments(now):
            counted = open_counts.counted_open_by_colour(db.session, scope, place, moment)
            live = stats.live_open_by_colour(db.session, scope, place, moment)
            assert counted == live, (scope.user.username, place, moment)
            checked += 1
    return checked


def step(rng, d, w, now):
    """One random step a person could take on case d: its trigger, or None."""
    mediator = fs.user_named(w.m_a1 if d.community_id == w.a1 else w.m_a2 if d.community_id == w.a2 else w.m_b1)
    supervisor = fs.user_named(w.sup_a if d.street_id == w.street_a else w.sup_b)
    offered = [(t, mediator) for t in engine.available(d, mediator)]
    offered += [(t, supervisor) for t in engine.available(d, supervisor)]
    # Repairs of old data are not steps of ordinary work.
    offered = [(t, actor) for t, actor in offered if not t.trigger.startswith("repair")]
    # Nor the steps whose guards need what the walk never records: an urging of the mediators keeps the state
    # and the due time (nothing counted), mediating again needs the court's rejection first.
    offered = [(t, actor) for t, actor in offered if t.trigger not in ("urge_mediators", "mediate_after_rejection")]
    if not offered:
        return None
    # Mostly forward, so that cases reach the later deadlines too.
    t, actor = rng.choices(offered, [1 if t.trigger in ENDINGS else 5 for t, _ in offered])[0]
    try:
        f.walk(d, actor, t.trigger, now=now)
    except Refused:  # a guard said no (a missing signature, too many extensions): nothing written
        db.session.rollback()
        return None
    return t.trigger


def test_counters_match_a_count_of_the_cases_after_random_steps(app, world):
    rng = random.Random(17)
    with app.app_context():
        w = world
        grids = [fs.grid(w.grid_a1), fs.grid(w.grid_a2), fs.grid(w.grid_b1)]
        creators = [fs.user_named(w.m_a1), fs.user_named(w.m_a2), fs.user_named(w.m_b1)]
        now, fired, ticked, checked = START, [], 0, 0
        cases, mediated, waiting = [], 0, 0
        for n in range(260):
            clock.set_now(now)
            roll = rng.random()
            if roll < 0.12 or not cases:
                which = rng.randrange(3)
                cases.append(f.dispute(creators[which], grids[which], now=now).id)
            elif roll < 0.27:
                report = tick(now=now, jobs=False)
                ticked += len(report.fired)
            else:
                fired.append(step(rng, db.session.get(Dispute, rng.choice(cases)), w, now))
            if n % 40 == 39:
                checked += assert_counters_match_the_cases(w, now)
                assert_street_counters_match()
                counted = hand_counts()
                mediated += sum(n for k, n in counted.items() if k[-1] == "in_mediation")
                # Awaiting acceptance: not concluded, not in mediation either.
                waiting += sum(n for k, n in counted.items() if k[-1] == "unconcluded" and k[2] == "total") - sum(
                    n for k, n in counted.items() if k[-1] == "in_mediation" and k[2] == "total")
            # Hours to days: deadlines of a day and of thirty days come and go.
            now += timedelta(minutes=rng.choice((7, 90, 600, 1440, 2880, 4320)))
        clock.set_now(now)
        checked += assert_counters_match_the_cases(w, now)
        # The run went through the paths that matter to the counters: new
        # deadlines, moved ones (extensions, signatures), cleared ones, timers.
        assert len(fired) - fired.count(None) > 60 and ticked > 0 and checked > 1000
        # ... and cases were counted in mediation at the checks, then left it, and others awaiting acceptance.
        assert mediated > 0 and waiting > 0
        assert {"accept", "assign", "recuse", "extend", "agree", "start_performance", "close", "reject",
                "withdraw"} <= set(fired), set(fired)
        kept, kept_streets = counter_rows(), assert_street_counters_match()
        assert {dim for _m, _s, dim, _k in kept_streets} == {"total", "type", "channel", "days"}
        rebuild()
        db.session.commit()
        assert counter_rows() == kept
        assert assert_street_counters_match() == kept_streets


def test_the_dashboards_read_the_counters_but_a_grid_is_counted(app, world):
    with app.app_context():
        w = world
        city = Scope(fs.user_named(w.sup_city))
        assert open_counts.can_serve(city, Place(community_id=w.a1))
        assert not open_counts.can_serve(city, Place(grid_id=w.grid_a1))
        assert not open_counts.can_serve(city, Place(mediator_id=w.m_a1_id))
        assert not open_counts.can_serve(Scope(fs.user_named(w.m_a1)), Place())
        d = f.dispute(fs.user_named(w.m_a1), fs.grid(w.grid_a1), now=START)
        # A counter row the cases do not back: the dashboards show it, so they read the counters.
        db.session.add(OpenCount(community_id=w.a1, street_id=w.street_a, is_open=True, late=False,
                                 due_day=open_counts.NO_DAY, warn_day=open_counts.NO_DAY, n=5))
        db.session.commit()
        now = START + timedelta(hours=1)
        assert stats.open_by_colour(db.session, city, Place(), now) == {"red": 0, "yellow": 0, "blue": 1, "none": 5}
        assert stats.open_by_colour(db.session, city, Place(grid_id=w.grid_a1), now)["none"] == 0
        board = stats.dashboard(city, Place(street_id=w.street_a), START.date().replace(day=1),
                                START.date().replace(day=31), now)
        assert board.open_by_colour["none"] == 5 and d.due_at is not None


def test_a_rolled_back_step_leaves_the_counters_unchanged(app, world):
    with app.app_context():
        w = world
        mediator = fs.user_named(w.m_a1)
        d = f.dispute(mediator, fs.grid(w.grid_a1), now=START)
        before = counter_rows()
        # Acceptance moves the deadline from a day to thirty (legal) days.
        engine.fire(d, "accept", mediator, now=START + timedelta(hours=1), commit=False)
        assert counter_rows() != before  # the flush moved the counters inside the transaction
        db.session.rollback()
        assert counter_rows() == before
        # A refused step (a wrong trigger for the state) writes nothing either.
        with pytest.raises(Refused):
            engine.fire(d, "fulfil", mediator, now=START + timedelta(hours=2))
        assert counter_rows() == before


def test_rebuild_and_a_deleted_case(app, world):
    with app.app_context():
        w = world
        mediator = fs.user_named(w.m_a2)
        kept = f.dispute(mediator, fs.grid(w.grid_a2), now=START)
        gone = f.dispute(mediator, fs.grid(w.grid_a2), now=START + timedelta(hours=3))
        f.walk(kept, mediator, "accept", now=START + timedelta(hours=2))
        with_both = counter_rows()
        db.session.delete(gone)
        db.session.flush()
        only_kept = counter_rows()
        assert sum(r[-1] for r in only_kept) == sum(r[-1] for r in with_both) - 1
        rebuild()
        assert counter_rows() == only_kept
        db.session.rollback()
        assert counter_rows() == with_both
        # The command after bulk SQL: a row the cases do not back is gone.
        db.session.add(OpenCount(community_id=w.b1, street_id=w.street_b, is_open=True, late=False,
                                 due_day=open_counts.NO_DAY, warn_day=open_counts.NO_DAY, n=3))
        db.session.commit()
        result = app.test_cli_runner().invoke(args=["supervision", "rebuild-counters"])
        assert result.exit_code == 0 and "open-case counters rebuilt from 2 cases" in result.output
        db.session.remove()
        assert counter_rows() == with_both


def test_migration_0021_fills_the_counters_from_the_cases_there(empty_db):
    from datetime import date

    from flask_migrate import upgrade
    from sqlalchemy import text

    from app import create_app

    app = create_app("testing", **empty_db)
    with app.app_context():
        upgrade(revision="0020")
        at = datetime(2026, 3, 1, 8, 0)
        # (state, due_at, warn_at): 16:00 UTC is the next local day in Shanghai.
        cases = [("mediating", datetime(2026, 3, 31, 16, 0), datetime(2026, 3, 25, 15, 59)),
                 ("mediating", datetime(2026, 3, 31, 15, 59), datetime(2026, 3, 25, 16, 0)),
                 ("performing", None, None), ("closed", None, None), ("archived", None, None)]
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO streets (id, name) VALUES (1, 's')"))
            conn.execute(text("INSERT INTO communities (id, street_id, name) VALUES (1, 1, 'c')"))
            for i, (state, due, warn) in enumerate(cases, 1):
                conn.execute(text(
                    "INSERT INTO disputes (id, tracking_code, channel, dispute_type, street_id, community_id, place,"
                    " facts, risk, created_at, state, version, state_entered_at, due_at, warn_at, changed_at,"
                    " extension_count, extension_days) VALUES (:id, :code, 'walk_in', 'other', 1, 1, '', 'x', 'low',"
                    " :at, :state, 1, :at, :due, :warn, :at, 0, 0)"),
                    {"id": i, "code": f"C{i}", "at": at, "state": state, "due": due, "warn": warn})
        upgrade()
        rows = counter_rows()
        assert rows == sorted([(1, 1, True, False, date(2026, 4, 1), date(2026, 3, 25), 1),
                               (1, 1, True, False, date(2026, 3, 31), date(2026, 3, 26), 1),
                               (1, 1, True, False, open_counts.NO_DAY, open_counts.NO_DAY, 1)])
        db.session.remove()
        db.engine.dispose()


def test_a_change_of_the_state_alone_from_open_to_ended_moves_the_counters(app, world):
    """The statistics' listener skips a change of the state alone between
    states its counters do not tell apart; an open case without a deadline
    that ends by such a change must still leave the open cases' counters."""
    with app.app_context():
        w = world
        d = f.dispute(fs.user_named(w.m_a1), fs.grid(w.grid_a1), now=START)
        d.due_at = d.warn_at = None
        db.session.commit()
        ended = next(s.code for s in Dispute.__workflow__.states
                     if s.code not in open_counts.OPEN_STATES and s.code not in counters.ON_SPOT_STATES)
        assert d.state in open_counts.OPEN_STATES
        d.state = ended  # the state alone, as a step that sets nothing else would
        db.session.commit()
        kept = counter_rows()
        rebuild()
        assert counter_rows() == kept
        assert all(not is_open for _, _, is_open, *_ in kept)


def test_a_case_moved_within_its_street_leaves_the_street_counters_alone(app, world):
    """Its community's counters move; its street's deltas cancel, so the
    flush sends no UPSERT of them."""
    from sqlalchemy import event

    with app.app_context():
        w = world
        d = f.dispute(fs.user_named(w.m_a1), fs.grid(w.grid_a1), now=START)
        streets = assert_street_counters_match()
        communities = street_rows(db.session.execute(select(StatCount)).scalars(), lambda r: r.community_id)
        sent = []

        def record(conn, cursor, statement, *args):
            sent.append(statement)

        event.listen(db.engine, "before_cursor_execute", record)
        try:
            d.community_id, d.grid_id = w.a2, w.grid_a2
            db.session.flush()
        finally:
            event.remove(db.engine, "before_cursor_execute", record)
        assert [s.split("(")[0].split()[-1] for s in sent if "INTO stat_counts" in s] == ["stat_counts"]
        assert street_rows(db.session.execute(select(StatCount)).scalars(), lambda r: r.community_id) != communities
        assert assert_street_counters_match() == streets
        db.session.rollback()


def test_the_listener_s_changed_fields_are_those_the_attribute_history_tells(world, app):
    """counters._changed reads the committed state directly: the same fields
    as the attribute history's has_changes(), for a value set equal to the
    loaded one, a changed one, and one set after being expired (never
    loaded)."""
    from sqlalchemy import inspect

    with app.app_context():
        mediator = fs.user_named(world.m_a1)
        d = f.walk(f.dispute(mediator, fs.grid(world.grid_a1)), mediator, "accept")
        d.state = d.state  # set, equal: no change
        d.dispute_type = "family" if d.dispute_type != "family" else "neighbour"  # changed
        db.session.expire(d, ["channel"])
        d.channel = "phone"  # set while not loaded
        state = inspect(d)
        by_history = {name for name in counters.FIELDS if state.attrs[name].history.has_changes()}
        assert set(counters._changed(state)) == by_history == {"dispute_type", "channel"}
        db.session.rollback()


def test_a_change_of_the_state_alone_from_awaiting_acceptance_to_an_outcome_moves_the_counters(app, world):
    """Awaiting acceptance (待受理) and an ended mediation are both open, neither on the spot nor in
    mediation: only the "not concluded yet" counter tells them apart, so the listener must not skip such a
    change of the state alone (and the page's rates must not read it as still waiting)."""
    with app.app_context():
        w = world
        d = f.dispute(fs.user_named(w.m_a1), fs.grid(w.grid_a1), now=START)
        assert counters.contribution(counters._values(d))[month_of(d.created_at), w.a1, w.street_a, "total", ""][-1] == 1
        d.state = "failed"  # the state alone, as a step that sets nothing else would
        db.session.commit()
        assert_street_counters_match()
        total = db.session.execute(select(StatCount).where(StatCount.dim == "total")).scalar_one()
        assert (total.registered, total.unconcluded) == (1, 0)
        kept = street_rows(db.session.execute(select(StatCount)).scalars(), lambda r: r.key)
        rebuild()
        assert street_rows(db.session.execute(select(StatCount)).scalars(), lambda r: r.key) == kept
        db.session.rollback()
