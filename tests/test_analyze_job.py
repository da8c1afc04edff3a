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


def test_on_postgresql_it_analyses_the_apps_own_schema_only(app, ctx, backend):
    """A bare ANALYZE reads every table of the database: another schema's
    (another installation's, or a test worker's being dropped, with which it
    deadlocked) is left alone, and the app's own tables are analysed."""
    if backend != "postgresql":
        return  # SQLite's file holds the app's tables alone: PRAGMA optimize
    other = f"{db.session.execute(text('SELECT current_schema()')).scalar()}_other"
    db.session.execute(text(f"DROP SCHEMA IF EXISTS {other} CASCADE"))
    db.session.execute(text(f"CREATE SCHEMA {other}"))
    db.session.execute(text(f"CREATE TABLE {other}.elsewhere (id integer)"))
    db.session.commit()
    try:
        assert analyze_job(T0) == 1
        analysed = dict(db.session.execute(text(
            "SELECT schemaname = current_schema(), bool_and(last_analyze IS NOT NULL) FROM pg_stat_user_tables "
            f"WHERE schemaname IN (current_schema(), '{other}') GROUP BY 1")).all())
        assert analysed == {True: True, False: False}
    finally:
        db.session.rollback()
        db.session.execute(text(f"DROP SCHEMA {other} CASCADE"))
        db.session.commit()
