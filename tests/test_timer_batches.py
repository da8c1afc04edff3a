"""The timer claims due rows in batches: each due event fires once, however
many runners claim at once, and one bad row does not cost its batch."""
from datetime import datetime, timedelta

from sqlalchemy import func, inspect, select, text

from app import engine
from app.audit.models import AuditEvent
from app.audit.verify import verify
from app.disputes.models import Dispute
from app.engine.timers import tick
from app.extensions import db
from tests import factories as f
from tests.test_concurrency import on_cases, run_together

T0 = datetime(2026, 1, 5, 9, 0)
WHEN = T0 + timedelta(days=31)  # past the 30-day confirmation window


def agreed_cases(count, now=T0):
    street, (c1, _), grids = f.org()
    m = f.user("mediator", community=c1)
    return [f.walk(f.dispute(m, grids[0], now=now), m, "accept", "assign", "start_mediation", "agree", now=now).id
            for _ in range(count)]


def closed_window_events():
    return db.session.execute(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.trigger == "confirmation_window_closed")
    ).scalar()


def test_two_runners_with_small_batches_fire_each_due_event_once(app):
    app.config["TICK_BATCH"] = 2
    with app.app_context():
        due = agreed_cases(7)
        not_yet = agreed_cases(1, now=T0 + timedelta(days=20))[0]
    results = run_together(app, lambda: tick(now=WHEN, jobs=False), lambda: tick(now=WHEN, jobs=False))
    assert [kind for kind, _ in results] == ["ok", "ok"]
    fired = on_cases(item for _, report in results for item in report.fired)
    assert sorted(entity_id for _, entity_id, _ in fired) == sorted(due)
    assert all(not report.failed and not report.retry for _, report in results)
    with app.app_context():
        assert [db.session.get(Dispute, i).state for i in due] == ["performing"] * len(due)
        assert db.session.get(Dispute, not_yet).state == "agreed"
        assert closed_window_events() == len(due)
        assert verify() == []


def test_a_failing_row_is_reported_and_the_rest_of_its_batch_fires(app, monkeypatch):
    app.config["TICK_BATCH"] = 10
    with app.app_context():
        ids = agreed_cases(5)
        real_fire = engine.core.fire

        def flaky(entity, trigger, actor, *args, **kwargs):
            if isinstance(entity, Dispute) and entity.id == ids[2]:
                raise RuntimeError("simulated failure")
            return real_fire(entity, trigger, actor, *args, **kwargs)

        monkeypatch.setattr("app.engine.timers.fire", flaky)
        report = tick(now=WHEN, jobs=False)
        assert sorted(i for _, i, _ in on_cases(report.fired)) == sorted(ids[:2] + ids[3:])
        assert [(t, i) for t, i, _, _ in report.failed] == [("dispute", ids[2])]
        assert db.session.get(Dispute, ids[2]).state == "agreed"
        # Each fired row has one event: the rolled-back batch left none behind.
        assert closed_window_events() == 4
        assert verify() == []


def test_a_batch_is_committed_once(app):
    app.config["TICK_BATCH"] = 50
    with app.app_context():
        agreed_cases(6)
        commits = []
        from sqlalchemy import event

        listener = lambda conn: commits.append(1)  # noqa: E731
        event.listen(db.engine, "commit", listener)
        try:
            report = tick(now=WHEN, jobs=False, only={"dispute"})
        finally:
            event.remove(db.engine, "commit", listener)
        assert len(on_cases(report.fired)) == 6
        assert len(commits) == 1


def test_every_workflow_table_has_an_index_leading_with_the_state(app):
    with app.app_context():
        for table in ("disputes", "elder_assignments", "followups", "rota_duties", "rota_swaps", "signoffs",
                      "sweeps"):
            columns = {ix["name"]: ix["column_names"] for ix in inspect(db.engine).get_indexes(table)}
            assert columns.get(f"ix_{table}_state_due") == ["state", "due_at"]


def test_the_claim_reads_the_state_index_on_sqlite(app):
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            return
        plan = db.session.execute(text(
            "EXPLAIN QUERY PLAN SELECT id FROM disputes WHERE state = 'agreed' AND due_at <= :now"
            " ORDER BY due_at, id LIMIT 100"), {"now": WHEN}).all()
        assert any("ix_disputes_state_due" in row[-1] for row in plan), plan
