"""Every test gets a fresh database: a new SQLite file, and, when
TEST_DATABASE_URL is set, the same test again on a freshly reset PostgreSQL
schema. In CI (CI=true) PostgreSQL is required: the run fails without it."""
import os
import re
import warnings
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from app import clock, create_app
from app.audit import guard
from app.extensions import db
from config import database_url

PG_URL = database_url(os.environ["TEST_DATABASE_URL"]) if os.environ.get("TEST_DATABASE_URL") else None
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])
# Each test run works in a schema of its own, so that two runs on one
# PostgreSQL database (a developer's and CI's) cannot reset each other's tables.
PG_SCHEMA = f"test_run_{os.getpid()}"
PG_OPTIONS = {"connect_args": {"options": f"-c search_path={PG_SCHEMA}"}}


# A run holds a session-level advisory lock named after its schema for as long as
# it lives, so that a later run can tell a schema left by a killed run (its lock
# is free: drop it) from one in use (leave it). Tests may make schemas of their
# own named after the run's (test_run_<pid>_other): they go with their run's lock.
RUN_LOCK = "SELECT {fn}(hashtext('mediation test run'), hashtext(:schema))"
RUN_SCHEMA = re.compile(r"^(test_run_\d+)(_\w*)?$")
_run_lock = None


def pytest_configure(config):
    if os.environ.get("CI") and not PG_URL:
        raise pytest.UsageError("CI needs TEST_DATABASE_URL: the suite must also run on PostgreSQL")
    if PG_URL:
        try:
            hold_run_lock()
        except Exception as error:  # fail, never skip, when PostgreSQL is asked for
            raise pytest.UsageError(f"TEST_DATABASE_URL is set but PostgreSQL is unreachable: {error}")
        drop_abandoned_schemas()
    compile_translations()


def hold_run_lock() -> None:
    global _run_lock
    _run_lock = create_engine(PG_URL, isolation_level="AUTOCOMMIT", poolclass=NullPool).connect()
    if not _run_lock.execute(text(RUN_LOCK.format(fn="pg_try_advisory_lock")), {"schema": PG_SCHEMA}).scalar():
        raise RuntimeError(f"another test run (on another host, with the same process id) holds {PG_SCHEMA}")


def drop_abandoned_schemas(names=None) -> list[str]:
    """Drop the schemas of test runs that were killed before they could drop
    their own (a run's pytest_unconfigure never ran): those whose run lock is
    free. Best effort: a schema that cannot be dropped at once is left, with a warning."""
    if names is None:
        names = _run_lock.execute(text(
            "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'test\\_run\\_%'")).scalars().all()
    runs: dict[str, list[str]] = {}
    for name in names:
        match = RUN_SCHEMA.match(name)
        if match and match.group(1) != PG_SCHEMA:
            runs.setdefault(match.group(1), []).append(name)
    dropped = []
    _run_lock.execute(text("SET lock_timeout = '2s'"))
    for run, schemas in sorted(runs.items()):
        if not _run_lock.execute(text(RUN_LOCK.format(fn="pg_try_advisory_lock")), {"schema": run}).scalar():
            continue  # the run is alive
        try:
            for name in schemas:
                _run_lock.execute(text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
                dropped.append(name)
        except Exception as error:  # another owner, a lock held by a killed run's orphan...
            warnings.warn(f"could not drop the abandoned schema {name}: {error}")
        finally:
            _run_lock.execute(text(RUN_LOCK.format(fn="pg_advisory_unlock")), {"schema": run})
    return dropped


def _pg_admin(*statements: str) -> None:
    engine = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        for statement in statements:
            conn.execute(text(statement))
    engine.dispose()


def reset_postgresql() -> None:
    _pg_admin(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE", f"CREATE SCHEMA {PG_SCHEMA}")


def pytest_unconfigure(config):
    if PG_URL:
        _pg_admin(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE")
        if _run_lock is not None:
            _run_lock.close()  # ends the session, and its lock


def database_for(backend: str, tmp_path) -> dict:
    """App settings for a fresh, empty database of this backend."""
    if backend == "sqlite":
        return {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'test.sqlite3'}"}
    reset_postgresql()
    return {"SQLALCHEMY_DATABASE_URI": PG_URL, "SQLALCHEMY_ENGINE_OPTIONS": dict(PG_OPTIONS, pool_pre_ping=True)}


@pytest.fixture(params=BACKENDS)
def backend(request):
    return request.param


@pytest.fixture
def empty_db(backend, tmp_path):
    """Settings of a database with nothing in it (for migration tests)."""
    return database_for(backend, tmp_path)


@pytest.fixture
def app(empty_db, tmp_path):
    app = create_app("testing", UPLOAD_DIR=str(tmp_path / "uploads"), **empty_db)
    with app.app_context():
        db.create_all()
        with db.engine.begin() as conn:
            guard.install(conn)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    clock.set_now(None)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def ctx(app):
    """An app context for building data; requests made with `client` while
    it is pushed share its session, so tests build data, then leave it."""
    with app.app_context():
        yield
        db.session.remove()


def compile_translations() -> None:
    """Compile every app/translations/*/LC_MESSAGES/messages.po into the .mo
    next to it, so no test runs against a stale (or missing) .mo."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po in (Path(__file__).resolve().parent.parent / "app" / "translations").glob("*/LC_MESSAGES/*.po"):
        with open(po, "rb") as f:
            catalog = read_po(f)
        tmp = po.with_name(f"{po.stem}.{os.getpid()}.tmp.mo")
        with open(tmp, "wb") as f:
            write_mo(f, catalog)
        os.replace(tmp, po.with_suffix(".mo"))  # atomic: parallel workers never read half a file
