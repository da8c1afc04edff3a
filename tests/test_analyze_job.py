"""The tick refreshes the planner's statistics at most once every
ANALYZE_EVERY_HOURS, remembered in maintenance_runs (one row, whichever
runner did it); on PostgreSQL the tables show the ANALYZE."""
from datetime import datetime, timedelta

from sqlalchemy import select, text

from app import clock
from app.extensions import db
from app.housekeeping import ANALYZE_JOB, MaintenanceRun, analyze_job

T0 = datetime(2026, 3, 2, 1, 0)


def last_run():
    return db.session.execute(select(MaintenanceRun.last_at).where(MaintenanceRun.job == ANALYZE_JOB)).scalar()


def test_runs_once_a_day(app, ctx):
    assert analyze_job(T0) == 1
    assert last_run() == T0
    assert analyze_job(T0 + timedelta(hours=23, minutes=59)) == 0
    assert last_run() == T0
    assert analyze_job(T0 + timedelta(hours=24)) == 1
    assert last_run() == T0 + timedelta(hours=24)
    assert db.session.execute(select(MaintenanceRun)).scalars().all()[0].job == ANALYZE_JOB


def test_the_setting_sets_the_interval(app, ctx):
    app.config["ANALYZE_EVERY_HOURS"] = 1
    assert analyze_job(T0) == 1
    assert analyze_job(T0 + timedelta(minutes=30)) == 0
    assert analyze_job(T0 + timedelta(hours=1)) == 1


def test_the_tick_runs_it_and_says_so(app, tmp_path):
    clock.set_now(T0)
    lock = str(tmp_path / "tick.lock")
    first = app.test_cli_runner().invoke(args=["workflows", "tick", "--lock-file", lock])
    assert first.exit_code == 0, first.output
    assert f"1 {ANALYZE_JOB}" in first.output
    again = app.test_cli_runner().invoke(args=["workflows", "tick", "--lock-file", lock])
    assert again.exit_code == 0 and f"0 {ANALYZE_JOB}" in again.output
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            analysed = db.session.execute(text(
                "SELECT last_analyze FROM pg_stat_user_tables "
                "WHERE schemaname = current_schema() AND relname = 'disputes'")).scalar()
            assert analysed is not None
        assert last_run() == T0
