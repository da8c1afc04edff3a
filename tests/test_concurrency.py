"""Two people (or two timer runners) at once: one wins, nothing is lost or doubled."""
import threading
from datetime import datetime, timedelta

from sqlalchemy import func, select

from app import engine
from app.audit.models import AuditEvent
from app.audit.verify import verify
from app.auth.models import User
from app.disputes.models import Dispute
from app.engine.timers import tick
from app.extensions import db
from tests import factories as f


def run_together(app, *jobs):
    """Run each job in its own thread with its own app context (and so its
    own database session), all released at the same moment."""
    barrier = threading.Barrier(len(jobs))
    results = [None] * len(jobs)

    def runner(i, job):
        with app.app_context():
            barrier.wait()
            try:
                results[i] = ("ok", job())
            except Exception as error:  # collected and asserted on below
                results[i] = ("error", error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=runner, args=(i, job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def on_cases(fired):
    """The timer's steps on cases (the same runs also fire follow-ups and sweeps)."""
    return [item for item in fired if item[0] == "dispute"]


def test_two_mediators_firing_conflicting_steps_one_wins(app):
    with app.app_context():
        street, (c1, _), grids = f.org()
        a = f.user("mediator", community=c1)
        b = f.user("mediator", community=c1)
        case_id, a_id, b_id = f.dispute(a, grids[0]).id, a.id, b.id

    def act(user_id, trigger, **data):
        def job():
            d = db.session.get(Dispute, case_id)
            actor = db.session.get(User, user_id)
            # Both forms were rendered at version 1.
            engine.fire(d, trigger, actor, data.pop("reason", None), expected_version=1, **data)
            return trigger
        return job

    results = run_together(app, act(a_id, "accept"), act(b_id, "reject", reason="不予受理", route="court"))
    outcomes = sorted(kind for kind, _ in results)
    assert outcomes == ["error", "ok"]
    [error] = [value for kind, value in results if kind == "error"]
    assert isinstance(error, engine.Conflict) and error.status == 409
    [winner] = [value for kind, value in results if kind == "ok"]
    with app.app_context():
        d = db.session.get(Dispute, case_id)
        assert d.state == {"accept": "accepted", "reject": "rejected"}[winner]
        assert d.version == 2
        triggers = db.session.execute(
            select(AuditEvent.trigger).where(AuditEvent.entity_id == case_id, AuditEvent.entity_type == "dispute")
        ).scalars().all()
        assert sorted(triggers) == sorted(["create", winner])
        assert verify() == []


def test_two_tick_runners_fire_each_timeout_exactly_once(app):
    t0 = datetime(2026, 1, 5, 9, 0)
    with app.app_context():
        street, (c1, _), grids = f.org()
        m = f.user("mediator", community=c1)
        due = [f.walk(f.dispute(m, grids[0], now=t0), m, "accept", "assign", "start_mediation", "agree", now=t0).id
               for _ in range(6)]
        later = f.walk(f.dispute(m, grids[0], now=t0), m, "accept", "assign", "start_mediation", "agree",
                       now=t0 + timedelta(days=20)).id
    when = t0 + timedelta(days=31)
    results = run_together(app, lambda: tick(now=when), lambda: tick(now=when))
    assert [kind for kind, _ in results] == ["ok", "ok"]
    fired = on_cases(item for _, report in results for item in report.fired)
    assert sorted(entity_id for _, entity_id, _ in fired) == sorted(due)
    assert all(not report.failed for _, report in results)
    with app.app_context():
        for case_id in due:
            assert db.session.get(Dispute, case_id).state == "performing"
        assert db.session.get(Dispute, later).state == "agreed"
        count = db.session.execute(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.trigger == "confirmation_window_closed")
        ).scalar()
        assert count == len(due)
        event = db.session.execute(
            select(AuditEvent).where(AuditEvent.trigger == "confirmation_window_closed").limit(1)).scalar_one()
        assert event.actor_role == "system" and event.actor_id is None
        assert verify() == []
    # A second pass finds nothing more to do.
    with app.app_context():
        assert on_cases(tick(now=when).fired) == []


def test_a_failing_timeout_does_not_stop_the_others(app, monkeypatch):
    t0 = datetime(2026, 1, 5, 9, 0)
    with app.app_context():
        street, (c1, _), grids = f.org()
        m = f.user("mediator", community=c1)
        ids = [f.walk(f.dispute(m, grids[0], now=t0), m, "accept", "assign", "start_mediation", "agree", now=t0).id
               for _ in range(3)]
        real_fire = engine.core.fire

        def flaky(entity, trigger, actor, *args, **kwargs):
            if entity.id == ids[1]:
                raise RuntimeError("simulated failure")
            return real_fire(entity, trigger, actor, *args, **kwargs)

        monkeypatch.setattr("app.engine.timers.fire", flaky)
        report = tick(now=t0 + timedelta(days=40))
        assert sorted(i for _, i, _ in on_cases(report.fired)) == sorted([ids[0], ids[2]])
        assert [i for _, i, _, _ in report.failed] == [ids[1]]
        assert db.session.get(Dispute, ids[1]).state == "agreed"


def test_the_confirmation_window_closes_at_the_end_of_its_last_local_day(app):
    # Agreed at 23:30 Shanghai time on 1 March (15:30 UTC): the 30 days run from 2 March and the last day is
    # 31 March; the timer fires from midnight after it (16:00 UTC on 31 March), not 30x24 hours later.
    agreed = datetime(2026, 3, 1, 15, 30)
    with app.app_context():
        street, (c1, _), grids = f.org()
        m = f.user("mediator", community=c1)
        case_id = f.walk(f.dispute(m, grids[0], now=agreed), m, "accept", "assign", "start_mediation", "agree",
                         now=agreed).id
        assert on_cases(tick(now=datetime(2026, 3, 31, 15, 59)).fired) == []  # 23:59 on the last day: still open
        assert db.session.get(Dispute, case_id).state == "agreed"
        assert [i for _, i, _ in on_cases(tick(now=datetime(2026, 3, 31, 16, 0)).fired)] == [case_id]
        assert db.session.get(Dispute, case_id).state == "performing"
