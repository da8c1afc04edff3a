"""A test run on PostgreSQL works in a schema of its own and drops it at its
end; a run that is killed never gets there. The next run drops such a schema
(its run lock is free) and leaves alone the schemas of runs still going."""
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from . import conftest


def _schemas(conn) -> set[str]:
    return set(conn.execute(text("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'test\\_run\\_%'")).scalars())


def test_a_killed_run_s_schema_is_dropped_and_a_live_run_s_kept(backend):
    if backend != "postgresql":
        pytest.skip("test runs keep schemas of their own on PostgreSQL only")
    engine = create_engine(conftest.PG_URL, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    killed, live = "test_run_999999001", "test_run_999999002"
    with engine.connect() as admin, engine.connect() as live_run:
        for name in (killed, live):
            admin.execute(text(f"CREATE SCHEMA IF NOT EXISTS {name}"))
            admin.execute(text(f"CREATE TABLE {name}.t (x int)"))
        live_run.execute(text(conftest.RUN_LOCK.format(fn="pg_advisory_lock")), {"schema": live})
        try:
            dropped = conftest.drop_abandoned_schemas()
            left = _schemas(admin)
            assert killed in dropped and killed not in left
            assert live not in dropped and live in left
            assert conftest.PG_SCHEMA not in dropped  # this run's own
        finally:
            admin.execute(text(f"DROP SCHEMA IF EXISTS {killed} CASCADE"))
            admin.execute(text(f"DROP SCHEMA IF EXISTS {live} CASCADE"))
    engine.dispose()
