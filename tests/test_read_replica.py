"""DATABASE_READ_URL: the supervisors' read-only pages (statistics, closure
history, audit log, grid map) and their exports read through the replica
engine; logins, case pages, steps and the exports' audit events never touch
it. The replica here is the test database itself, opened read-only on SQLite
(mode=ro) and in READ ONLY transactions on PostgreSQL, so a write sent to it
would fail rather than pass unnoticed."""
import re
from contextlib import contextmanager

import pytest
from sqlalchemy import event, func, select

from app import clock, create_app
from app.audit import guard
from app.audit.models import AuditEvent
from app.database import replica_engine
from app.extensions import db
from tests import factories_supervision as fs
from tests.factories import login

WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE|CREATE|DROP|ALTER)\b", re.I)


def read_url(primary_url: str) -> str:
    if primary_url.startswith("sqlite:///"):
        return f"sqlite:///file:{primary_url[len('sqlite:///'):]}?mode=ro&uri=true"
    return primary_url


@pytest.fixture
def replica_app(empty_db, tmp_path):
    app = create_app("testing", UPLOAD_DIR=str(tmp_path / "uploads"),
                     DATABASE_READ_URL=read_url(empty_db["SQLALCHEMY_DATABASE_URI"]), **empty_db)
    with app.app_context():
        db.create_all()
        with db.engine.begin() as conn:
            guard.install(conn)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
        replica_engine(app).dispose()
    clock.set_now(None)


@pytest.fixture
def world(replica_app):
    with replica_app.app_context():
        w = fs.two_streets()
        mediator = fs.user_named(w.m_a1)
        w.case = fs.closed_case(mediator, fs.grid(w.grid_a1)).id
        fs.closed_case(mediator, fs.grid(w.grid_a1))
        db.session.remove()
        return w


@contextmanager
def statements(app):
    """The statements each engine is asked to run inside the block."""
    seen = {"primary": [], "replica": []}
    with app.app_context():
        engines = {"primary": db.engine, "replica": replica_engine(app)}
    listeners = []
    for name, engine in engines.items():
        def listener(conn, cursor, statement, parameters, context, executemany, name=name):
            seen[name].append(statement)
        event.listen(engine, "before_cursor_execute", listener)
        listeners.append((engine, listener))
    try:
        yield seen
    finally:
        for engine, listener in listeners:
            event.remove(engine, "before_cursor_execute", listener)


READ_PAGES = [
    "/supervision/stats",
    "/supervision/closures",
    "/audit/",
    "/supervision/map",
]


@pytest.mark.parametrize("url", READ_PAGES)
def test_read_only_pages_read_from_the_replica(replica_app, world, url):
    client = replica_app.test_client()
    login(client, world.sup_a)
    with statements(replica_app) as seen:
        response = client.get(url)
    assert response.status_code == 200
    selects = [s for s in seen["replica"] if s.lstrip().upper().startswith(("SELECT", "WITH"))]
    assert selects, "the page read nothing from the replica"
    assert not [s for s in seen["replica"] if WRITE.match(s)]
    # The primary only loads the login session and its user, before the view runs.
    assert len(seen["primary"]) < len(seen["replica"])


@pytest.mark.parametrize("url", ["/supervision/stats/export.csv", "/supervision/closures/export.xlsx"])
def test_exports_read_from_the_replica_and_audit_on_the_primary(replica_app, world, url):
    client = replica_app.test_client()
    login(client, world.sup_a)
    with replica_app.app_context():
        before = db.session.execute(select(func.count()).where(AuditEvent.trigger == "export")).scalar()
    with statements(replica_app) as seen:
        response = client.get(url)
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    assert any(s.lstrip().upper().startswith("SELECT") for s in seen["replica"])
    assert not [s for s in seen["replica"] if WRITE.match(s)]
    with replica_app.app_context():
        after = db.session.execute(select(func.count()).where(AuditEvent.trigger == "export")).scalar()
    assert after == before + 1


def test_logins_case_pages_and_steps_never_touch_the_replica(replica_app, world):
    client = replica_app.test_client()
    with statements(replica_app) as seen:
        assert login(client, world.m_a1).status_code == 302
        assert client.get(f"/cases/{world.case}").status_code == 200
        assert client.get("/supervision/stats").status_code == 403  # a mediator: refused before any read
    assert seen["replica"] == []
    assert any(WRITE.match(s) for s in seen["primary"])


def test_without_a_read_url_there_is_one_engine(app, client):
    with app.app_context():
        assert replica_engine(app) is None
        assert app.config["DATABASE_READ_URL"] is None
