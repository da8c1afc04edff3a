"""A test run on PostgreSQL works in a schema of its own (and tests in
schemas named after it) and drops them at its end; a run that is killed never
gets there. The next run drops such schemas (their run lock is free) and
leaves alone those of runs still going."""
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from . import conftest


def _schemas(conn) -> set[str]:
    return set(conn.execute(text("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'test\\_run\\_%'")).scalars())


def test_a_killed_run_s_schemas_are_dropped_and_a_live_run_s_kept(backend):
    if backend != "postgresql":
        pytest.skip("test runs keep schemas of their own on PostgreSQL only")
    engine = create_engine(conftest.PG_URL, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    killed, live = "test_run_999999001", "test_run_999999002"
    ours = [killed, f"{killed}_other", live, f"{live}_other", f"{conftest.PG_SCHEMA}_other"]
    with engine.connect() as admin, engine.connect() as live_run:
        for name in ours:
            admin.execute(text(f"CREATE SCHEMA IF NOT EXISTS {name}"))
            admin.execute(text(f"CREATE TABLE IF NOT EXISTS {name}.t (x int)"))
        live_run.execute(text(conftest.RUN_LOCK.format(fn="pg_advisory_lock")), {"schema": live})
        try:
            dropped = conftest.drop_abandoned_schemas(ours + ["not_a_test_run", "test_run_x"])
            left = _schemas(admin)
            # Another run starting now may have dropped the killed run's schemas first.
            assert set(dropped) <= {killed, f"{killed}_other"}
            assert killed not in left and f"{killed}_other" not in left
            assert {live, f"{live}_other", f"{conftest.PG_SCHEMA}_other"} <= left  # a live run's, and this one's
        finally:
            for name in ours:
                admin.execute(text(f"DROP SCHEMA IF EXISTS {name} CASCADE"))
    engine.dispose()
