"""Issue 13 items 2 and 3: a read-only check never takes the write lock, and
writers take locks in one order (the audit chain's first), so that a case
step and the timer never deadlock; a lock conflict that happens all the same
is retried by the timer or answered 409, never a 500."""
import io
import re
import sqlite3
import threading
import time
from datetime import date, datetime, timedelta

import psycopg
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import OperationalError

from app import clock, engine
from app.audit import cli as audit_cli
from app.audit.chain import current_digest, record
from app.audit.models import AuditEvent
from app.audit.verify import verify
from app.auth.models import User
from app.disputes.models import Dispute
from app.engine import timers
from app.engine.timers import tick
from app.extensions import db
from app.followups.models import FollowUp
from app.supervision import audit_views
from tests import factories as f
from tests import factories_followups as ff

AGREED = datetime(2026, 3, 2, 2, 0)
SAFETY = 60  # seconds: a hung thread fails the test instead of hanging the run; nothing is timed


def concurrent_write(app, case_id, actor_id, wrote, errors):
    """Accept a case in a second thread (its own session and connection)."""
    def run():
        with app.app_context():
            try:
                engine.fire(db.session.get(Dispute, case_id), "accept", db.session.get(User, actor_id))
            except Exception as error:  # asserted on by the test
                errors.append(error)
            finally:
                db.session.remove()
                wrote.set()

    return run


def verify_with_a_write_inside(app, real_verify, case_id, actor_id, seen, errors):
    """A stand-in for verify() that, at its first row (inside its read
    transaction), lets another connection write and commit, then goes on."""
    def wrapped(digest=None, session=None, progress=None, **options):  # options: verify's own (workers)
        def step(n):
            if "wrote" not in seen:
                wrote = threading.Event()
                writer = threading.Thread(target=concurrent_write(app, case_id, actor_id, wrote, errors))
                writer.start()
                writer.join(SAFETY)
                seen["wrote"] = wrote.is_set() and not errors
            if progress:
                progress(n)
        return real_verify(digest, session=session, progress=step, **options)

    return wrapped


@pytest.fixture
def cases(app):
    with app.app_context():
        _street, (c1, _), grids = f.org()
        mediator = f.user("mediator", community=c1)
        supervisor = f.user("supervisor", street=_street)
        ids = [f.dispute(mediator, grids[0]).id for _ in range(3)]
        return {"cases": ids, "mediator": mediator.id, "supervisor": supervisor.username}


def test_audit_verify_lets_a_writer_commit_meanwhile_and_checks_one_snapshot(app, cases, monkeypatch):
    seen, errors = {}, []
    monkeypatch.setattr(audit_cli, "verify", verify_with_a_write_inside(
        app, verify, cases["cases"][0], cases["mediator"], seen, errors))
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert errors == []  # no "database is locked"
    assert seen["wrote"] is True  # committed while verify was inside its transaction
    assert result.exit_code == 0, result.output
    assert "audit log intact" in result.output
    with app.app_context():
        assert db.session.get(Dispute, cases["cases"][0]).state == "accepted"
        assert verify() == []


LARGE_LOG = 5000


def test_verify_of_a_large_log_lets_a_writer_commit_meanwhile(app, cases, monkeypatch):
    """The same with thousands of events (a busy centre's failed logins):
    verify streams the log in batches inside one read snapshot, and the
    writer commits while it has read only the first row."""
    with app.app_context():
        for n in range(LARGE_LOG):
            record("login", None, "login_failed", None, data={"username": f"guess{n}", "address": "10.0.0.9"})
        db.session.commit()
        before = db.session.execute(select(func.count(AuditEvent.id))).scalar()
    seen, errors = {}, []
    monkeypatch.setattr(audit_cli, "verify", verify_with_a_write_inside(
        app, verify, cases["cases"][0], cases["mediator"], seen, errors))
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert errors == [] and seen["wrote"] is True
    assert result.exit_code == 0, result.output
    assert f"audit log intact: {before} events checked" in result.output  # the snapshot: not the new event
    with app.app_context():
        assert db.session.execute(select(func.count(AuditEvent.id))).scalar() == before + 1
        assert verify() == []


def test_audit_digest_reads_without_the_write_lock(app, cases):
    """The digest is read in the same kind of transaction: a writer that
    holds the write lock (SQLite) or a row (PostgreSQL) does not stop it."""
    with app.app_context():
        before = str(current_digest())
    holder_ready, release, done = threading.Event(), threading.Event(), threading.Event()

    def hold_a_write_open():
        with app.app_context():
            try:
                engine.fire(db.session.get(Dispute, cases["cases"][1]), "accept",
                            db.session.get(User, cases["mediator"]), commit=False)
                holder_ready.set()
                release.wait(SAFETY)
                db.session.commit()
            finally:
                db.session.remove()
                done.set()

    holder = threading.Thread(target=hold_a_write_open)
    holder.start()
    assert holder_ready.wait(SAFETY)
    try:
        result = app.test_cli_runner().invoke(args=["audit", "digest"])
        still_open = not done.is_set()
    finally:
        release.set()
        holder.join(SAFETY)
    assert result.exit_code == 0, result.output
    assert still_open  # read while the other transaction held its write open
    assert result.output.strip() == before  # the committed log, not the open write


def test_the_integrity_check_with_an_uploaded_digest_lets_a_writer_commit(app, client, cases, monkeypatch):
    f.login(client, cases["supervisor"])
    kept = client.get("/audit/digest.txt").data
    page = client.get("/audit/verify").get_data(as_text=True)
    seen, errors = {}, []
    monkeypatch.setattr(audit_views, "verify", verify_with_a_write_inside(
        app, verify, cases["cases"][2], cases["mediator"], seen, errors))
    answer = client.post("/audit/verify", data={"csrf_token": f.csrf(page), "digest_file": (io.BytesIO(kept), "d.txt")},
                         content_type="multipart/form-data")
    assert errors == [] and seen["wrote"] is True
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert 'data-intact="yes"' in html and 'data-match="yes"' in html
    with app.app_context():
        assert db.session.get(Dispute, cases["cases"][2]).state == "accepted"


# Item 3 -----------------------------------------------------------------

def deadlock():
    return OperationalError("UPDATE followups ...", {}, psycopg.errors.DeadlockDetected("deadlock detected"))


@pytest.mark.parametrize("error", [
    deadlock,
    lambda: OperationalError("UPDATE ...", {}, psycopg.errors.SerializationFailure("could not serialize access")),
    lambda: OperationalError("BEGIN IMMEDIATE", {}, sqlite3.OperationalError("database is locked")),
])
def test_a_lock_conflict_in_a_view_is_a_409_with_a_plain_message(app, client, cases, error):
    def conflicting_view():
        raise error()

    app.add_url_rule("/test-lock-conflict", "test_lock_conflict", conflicting_view)
    f.login(client, cases["supervisor"])
    page = client.get("/cases/").get_data(as_text=True)
    client.post("/language/en", data={"csrf_token": f.csrf(page), "next": "/cases/"})
    answer = client.get("/test-lock-conflict")
    assert answer.status_code == 409
    html = answer.get_data(as_text=True)
    assert "Someone else changed this at the same time, so nothing was saved." in html
    assert "Reload the page" in html


def test_another_database_error_in_a_view_is_not_called_a_conflict(app, client, cases):
    def failing_view():
        raise OperationalError("SELECT 1", {}, psycopg.errors.DiskFull("no space left"))

    app.add_url_rule("/test-db-fault", "test_db_fault", failing_view)
    f.login(client, cases["supervisor"])
    with pytest.raises(OperationalError):  # TESTING propagates what would be a 500
        client.get("/test-db-fault")


def test_the_zh_message_of_a_lock_conflict(app, client, cases):
    app.add_url_rule("/test-lock-conflict", "test_lock_conflict", lambda: (_ for _ in ()).throw(deadlock()))
    f.login(client, cases["supervisor"])
    answer = client.get("/test-lock-conflict")  # the installation's default language
    assert answer.status_code == 409
    assert "他人同时修改了此内容，您的操作未保存。请刷新页面后重试。" in answer.get_data(as_text=True)


def test_the_timer_leaves_a_row_that_lost_a_lock_conflict_for_the_next_run(app, monkeypatch):
    with app.app_context():
        _street, (c1, _), grids = f.org()
        mediator = f.user("mediator", community=c1)
        case = ff.agreed_case(mediator, grids[0], AGREED, perform_by=date(2026, 3, 20))
        first = ff.followups_of(case.id)[0]
        first_id, due = first.id, first.planned_for
    real_fire = timers.fire

    def losing_fire(row, trigger, actor, **kw):
        if row.id == first_id:
            raise deadlock()
        return real_fire(row, trigger, actor, **kw)

    monkeypatch.setattr(timers, "fire", losing_fire)
    with app.app_context():
        report = tick(now=due + timedelta(minutes=1), only={"followup"}, jobs=False)
    assert report.failed == []
    assert ("followup", first_id, "become_due") in report.retry
    assert "left for the next run" in report.summary()
    monkeypatch.setattr(timers, "fire", real_fire)
    with app.app_context():
        assert db.session.get(FollowUp, first_id).state == "scheduled"
        again = tick(now=due + timedelta(minutes=1), only={"followup"}, jobs=False)
        assert ("followup", first_id, "become_due") in again.fired and again.failed == again.retry == []
        assert db.session.get(FollowUp, first_id).state == "due"
        assert verify() == []


def action(client, case_id, trigger, **data):
    page = client.get(f"/cases/{case_id}?step={trigger}").get_data(as_text=True)
    version = re.search(rf'id="{trigger}-version" name="{trigger}-version" type="hidden" value="(\d+)"', page).group(1)
    form = {f"{trigger}-csrf_token": f.csrf(page), f"{trigger}-version": version}
    form.update({f"{trigger}-{k}": v for k, v in data.items()})
    return lambda: client.post(f"/cases/{case_id}/fire/{trigger}", data=form)


def test_a_case_step_cancelling_follow_ups_and_the_timer_firing_one_never_deadlock(app, client, backend, monkeypatch):
    """The cycle of issue 13 item 3 on PostgreSQL: the timer holds a claimed
    follow-up while the mediator withdraws the case (which cancels every
    open follow-up); then the timer goes on. With one order of locks the step
    waits for the timer and both succeed: no deadlock, no 409, no 500."""
    if backend != "postgresql":
        pytest.skip("row locks and advisory locks are PostgreSQL's; SQLite has one writer")
    clock.set_now(AGREED + timedelta(days=2))
    with app.app_context():
        _street, (c1, _), grids = f.org()
        mediator = f.user("mediator", community=c1)
        case = ff.agreed_case(mediator, grids[0], AGREED, perform_by=date(2026, 3, 20))
        case_id, username = case.id, mediator.username
        followups = ff.followups_of(case_id)
        assert len(followups) >= 2
        due = min(fu.planned_for for fu in followups)
    f.login(client, username)
    withdraw = action(client, case_id, "withdraw", reason="当事人撤回申请")

    claimed, go, web_done = threading.Event(), threading.Event(), threading.Event()
    real_fire = timers.fire
    outcome = {}

    def paused_fire(row, trigger, actor, **kw):
        if not claimed.is_set():
            claimed.set()  # the row is claimed (FOR UPDATE) and held
            go.wait(SAFETY)
        return real_fire(row, trigger, actor, **kw)

    monkeypatch.setattr(timers, "fire", paused_fire)

    def timer():
        with app.app_context():
            try:
                outcome["tick"] = tick(now=due + timedelta(minutes=1), only={"followup"}, jobs=False)
            except Exception as error:  # asserted on below
                outcome["tick"] = error
            finally:
                db.session.remove()

    def web():
        try:
            outcome["web"] = withdraw()
        except Exception as error:  # asserted on below
            outcome["web"] = error
        finally:
            web_done.set()

    timer_thread = threading.Thread(target=timer)
    timer_thread.start()
    assert claimed.wait(SAFETY)
    web_thread = threading.Thread(target=web)
    web_thread.start()
    # Wait until the step's transaction (it has read the case) waits for a
    # lock held by the timer's: then let the timer go on to the chain.
    with app.app_context():
        waiting = text("SELECT EXISTS (SELECT 1 FROM pg_locks w WHERE NOT w.granted AND w.pid IN "
                       "(SELECT pid FROM pg_locks WHERE granted AND relation = 'disputes'::regclass))")
        deadline = time.monotonic() + SAFETY
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as watcher:
            while not watcher.execute(waiting).scalar():
                assert not web_done.is_set(), f"the step did not wait for the timer: {outcome.get('web')}"
                assert time.monotonic() < deadline, "the step never waited for the timer's lock"
                web_done.wait(0.01)
    go.set()
    timer_thread.join(SAFETY)
    web_thread.join(SAFETY)

    report, answer = outcome["tick"], outcome["web"]
    assert not isinstance(report, Exception), report
    assert not isinstance(answer, Exception), answer
    assert answer.status_code == 302, answer.get_data(as_text=True)[:2000]
    assert report.failed == [] and report.retry == []
    assert report.fired and all(kind == "followup" for kind, _id, _t in report.fired)
    with app.app_context():
        assert db.session.get(Dispute, case_id).state == "withdrawn"
        assert {fu.state for fu in ff.followups_of(case_id)} == {"cancelled"}
        fired_id = report.fired[0][1]
        assert [e.trigger for e in ff.events("followup", fired_id)][-2:] == ["become_due", "cancel"]
        assert verify() == []
        assert db.session.execute(select(func.count(AuditEvent.id))).scalar() > 0


def test_the_chain_lock_is_the_schemas_own(app, backend):
    """Two installations in one PostgreSQL database, each in a schema of its
    own, have a chain each and do not queue on one lock; two writers of one
    schema still take turns."""
    if backend != "postgresql":
        pytest.skip("advisory locks are PostgreSQL's; SQLite has one writer")
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    from app.audit.chain import lock_chain

    with app.app_context():
        url, ours = db.engine.url, db.engine
        other_schema = f"{db.session.execute(text('SELECT current_schema()')).scalar()}_other"
        db.session.remove()
    with ours.connect().execution_options(isolation_level="AUTOCOMMIT") as admin:
        admin.execute(text(f"DROP SCHEMA IF EXISTS {other_schema} CASCADE"))
        admin.execute(text(f"CREATE SCHEMA {other_schema}"))
    other = create_engine(url, connect_args={"options": f"-c search_path={other_schema}"})
    try:
        with ours.connect() as holder, other.connect() as neighbour, ours.connect() as second:
            holder.begin()
            lock_chain(Session(bind=holder), holder)
            # Bounds, not timings: a lock that never comes fails the test instead of hanging it.
            neighbour.begin()
            neighbour.execute(text("SET LOCAL lock_timeout = '20s'"))
            lock_chain(Session(bind=neighbour), neighbour)  # granted at once: another schema's chain
            neighbour.rollback()
            second.begin()
            second.execute(text("SET LOCAL lock_timeout = '200ms'"))
            with pytest.raises(OperationalError, match="lock timeout"):
                lock_chain(Session(bind=second), second)  # the holder's chain: it waits its turn
            second.rollback()
            holder.rollback()
    finally:
        other.dispose()
        with ours.connect().execution_options(isolation_level="AUTOCOMMIT") as admin:
            admin.execute(text(f"DROP SCHEMA IF EXISTS {other_schema} CASCADE"))


def test_a_sqlite_step_takes_the_write_lock_at_begin_and_a_held_lock_is_a_contention(app):
    """The SQLite BEGIN sent on the connection's own cursor (app/database.py)
    is still BEGIN IMMEDIATE for a write, and "database is locked" at BEGIN
    is still SQLAlchemy's OperationalError that contention() recognises."""
    from app.database import contention

    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("SQLite's BEGIN IMMEDIATE")
        db.session.connection().connection.dbapi_connection.execute("PRAGMA busy_timeout=50")
        assert db.session.connection().connection.dbapi_connection.in_transaction
        db.session.commit()  # the pool keeps its one connection, with the short timeout
        other = sqlite3.connect(db.engine.url.database, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")  # another writer holds the write lock
            with pytest.raises(OperationalError) as raised:
                db.session.connection()
            assert contention(raised.value) and "BEGIN IMMEDIATE" in str(raised.value)
            db.session.rollback()
        finally:
            other.execute("ROLLBACK")
            other.close()
        db.session.connection()  # the lock released: the step begins
        db.session.rollback()
