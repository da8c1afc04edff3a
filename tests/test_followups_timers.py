"""The timer runner in production shape: two runners at once fire each
follow-up and sweep event once and plan each sweep once; the command
reports what it did, exits non-zero on failures, and a second run on the
same host while one holds the lock is skipped."""
from datetime import datetime, timedelta

from sqlalchemy import func, select

from app import clock
from app.audit.models import AuditEvent
from app.audit.verify import verify
from app.engine import timers
from app.engine.runlock import HostLock
from app.engine.timers import tick
from app.extensions import db
from app.followups.models import FollowUp
from app.notifications.models import Notification
from app.sweeps.models import Sweep
from tests import factories as f
from tests import factories_followups as ff
from tests.test_concurrency import run_together

AGREED = datetime(2026, 3, 2, 2, 0)
ESCALATION = datetime(2026, 3, 13, 16)  # the 7-day follow-ups' escalate_at


def test_two_runners_fire_each_follow_up_step_and_plan_each_sweep_once(app):
    with app.app_context():
        street, communities, grids = f.org(communities=3)
        m = f.user("mediator", community=communities[0])
        f.user("supervisor", street=street)
        cases = [ff.agreed_case(m, grids[0], AGREED, perform_by=None).id for _ in range(5)]
        followups = [fu.id for case in cases for fu in ff.followups_of(case)]
        db.session.remove()
    # Both wake up long after: each follow-up must go scheduled -> due -> overdue -> escalated once.
    when = ESCALATION + timedelta(minutes=1)
    results = run_together(app, lambda: tick(now=when), lambda: tick(now=when))
    assert [kind for kind, _ in results] == ["ok", "ok"], results
    reports = [report for _, report in results]
    assert all(not r.failed for r in reports)
    fired = sorted((i, t) for r in reports for kind, i, t in r.fired if kind == "followup")
    assert fired == sorted((i, t) for i in followups for t in ("become_due", "fall_overdue", "escalate"))
    # One sweep per place for the current period (1 street + 3 communities), whoever planned it.
    assert sum(r.jobs["sweeps planned"] for r in reports) == 4
    with app.app_context():
        assert {fu.state for fu in db.session.execute(select(FollowUp)).scalars()} == {"escalated"}
        assert db.session.execute(select(func.count()).select_from(Sweep)).scalar() == 4
        escalations = db.session.execute(select(func.count()).select_from(AuditEvent)
                                         .where(AuditEvent.trigger == "escalate")).scalar()
        assert escalations == len(followups)
        # The supervisor and the lead mediator: one notification each per escalated follow-up.
        assert db.session.execute(select(func.count()).select_from(Notification)
                                  .where(Notification.kind == "followup_escalated")).scalar() == 2 * len(followups)
        assert verify() == []
        again = tick(now=when)
        assert again.fired == [] and again.jobs["sweeps planned"] == 0


def test_two_runners_miss_each_unrecorded_sweep_once(app):
    with app.app_context():
        street, communities, grids = f.org(communities=4)
        monday = datetime(2026, 3, 1, 16)  # 00:00 on Monday 2 March, Shanghai
        assert tick(now=monday).jobs["sweeps planned"] == 5
        db.session.remove()
    next_monday = monday + timedelta(days=7)
    results = run_together(app, lambda: tick(now=next_monday), lambda: tick(now=next_monday))
    assert [kind for kind, _ in results] == ["ok", "ok"]
    missed = sorted(i for _, r in results for kind, i, t in r.fired if kind == "sweep" and t == "miss")
    with app.app_context():
        weekly = [s.id for s in ff.sweeps(level="community") if s.period_start.isoformat() == "2026-03-02"]
        assert missed == sorted(weekly)  # the street's month is not over
        assert sum(r.jobs["sweeps planned"] for _, r in results) == 4  # the communities' new week
        assert verify() == []


def test_a_failing_job_is_reported_and_the_rest_still_run(app, monkeypatch):
    calls = []

    def broken(now):
        raise RuntimeError("mail server on fire")

    monkeypatch.setattr(timers, "JOBS", [("broken", broken), ("counted", lambda now: calls.append(now) or 7)])
    with app.app_context():
        report = tick(now=AGREED)
    assert report.jobs == {"counted": 7} and calls == [AGREED]
    assert [(kind, what) for kind, _, what, _ in report.failed] == [("job", "broken")]
    assert "1 failed" in report.summary() and "7 counted" in report.summary()


def test_the_tick_command_reports_and_exits_1_on_a_failure(app, monkeypatch):
    with app.app_context():
        street, (c1, _), grids = f.org()
        m = f.user("mediator", community=c1)
        case = ff.agreed_case(m, grids[0], AGREED, perform_by=None)
        [fu] = ff.followups_of(case.id)
        fu_id = fu.id
    from app.engine import core

    def fire_failing_overdue(entity, trigger, *args, **kwargs):
        if trigger == "fall_overdue":
            raise RuntimeError("boom")
        return core.fire(entity, trigger, *args, **kwargs)

    monkeypatch.setattr("app.engine.timers.fire", fire_failing_overdue)
    clock.set_now(datetime(2026, 3, 12, 0, 0))  # the fixture sets the clock back afterwards
    result = app.test_cli_runner().invoke(args=["workflows", "tick"])
    assert result.exit_code == 1
    assert f"fired become_due on followup #{fu_id}" in result.output
    assert f"failed fall_overdue on followup #{fu_id}: RuntimeError('boom')" in result.output
    summary = result.output.strip().splitlines()[-1]
    assert summary.startswith("tick at 2026-03-12T00:00:00Z: ")
    assert "1 failed" in summary and "sweeps planned" in summary and "e-mails sent" in summary
    monkeypatch.undo()
    with app.app_context():
        assert db.session.get(FollowUp, fu_id).state == "due"  # the failed step left nothing half-done


def test_a_second_run_on_the_same_host_is_skipped_while_the_first_holds_the_lock(app, tmp_path):
    lock = str(tmp_path / "tick.lock")
    with HostLock(lock) as held:
        assert held
        result = app.test_cli_runner().invoke(args=["workflows", "tick", "--lock-file", lock])
        assert result.exit_code == 0 and "skipped" in result.output
    result = app.test_cli_runner().invoke(args=["workflows", "tick", "--lock-file", lock])
    assert result.exit_code == 0 and "tick at " in result.output
