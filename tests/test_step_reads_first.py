"""A step sent from the case page reads (the session, the case, the form's
checks) before it writes. On SQLite those reads no longer hold the one write
lock: the request begins deferred and the step takes the lock when it writes
(app/database.py, `reads_first`), reading the case again under it. So another
writer may commit meanwhile, and the step still refuses a form whose case
changed."""
from datetime import datetime

import pytest
from sqlalchemy import event, select, update

from app.audit.models import AuditEvent
from app.auth.models import UserSession
from app.audit.verify import verify
from app.disputes import views
from app.disputes.models import Dispute
from app.extensions import db
from tests.factories import csrf, login
from tests.test_disputes_web import case_page, world  # noqa: F401  (fixture)

LATER = datetime(2030, 1, 1, 8, 0)


def write_meanwhile(monkeypatch, app, statement):
    """Once the step's form is checked (the request has read the case), another
    connection runs `statement` and commits, as another request would."""
    checked = views.step_form

    def and_then_another_writer(*args, **kwargs):
        form = checked(*args, **kwargs)
        with db.engine.connect() as other:
            other.execute(statement)
            other.commit()
        return form

    monkeypatch.setattr(views, "step_form", and_then_another_writer)


def accept(client, case_id):
    page = case_page(client, case_id, step="accept")
    return client.post(f"/cases/{case_id}/fire/accept", data={
        "accept-csrf_token": csrf(page), "accept-version": "1", "accept-reason": "材料齐全"})


def test_another_writer_commits_while_a_step_reads_and_the_step_goes_on(app, client, world, monkeypatch):
    login(app.test_client(), world.m2)  # another user, whose session row the other request touches
    login(client, world.m1)
    # Another user's request notes that its session was seen now (a write no step conflicts with).
    write_meanwhile(monkeypatch, app, update(UserSession).where(UserSession.user_id != world.m1_id)
                    .values(last_seen_at=LATER))
    assert accept(client, world.case).status_code == 302
    with app.app_context():
        assert db.session.get(Dispute, world.case).state == "accepted"
        assert db.session.execute(select(UserSession.last_seen_at).where(
            UserSession.user_id != world.m1_id)).scalars().all() == [LATER]
        assert verify() == []


def test_a_case_changed_while_its_step_read_it_is_refused_as_stale(app, client, world, monkeypatch):
    login(client, world.m1)
    # A colleague's change to the case (not through the engine here, so not audited: the test
    # looks at the step's answer, not at the log).
    write_meanwhile(monkeypatch, app, update(Dispute).where(Dispute.id == world.case)
                    .values(place="另一请求改的地点", version=Dispute.version + 1))
    response = accept(client, world.case)
    assert response.status_code == 409
    with app.app_context():
        d = db.session.get(Dispute, world.case)
        assert (d.state, d.place) == ("submitted", "另一请求改的地点")
        steps = db.session.execute(select(AuditEvent.trigger).where(
            AuditEvent.entity_type == "dispute", AuditEvent.entity_id == world.case)).scalars().all()
        assert "accept" not in steps


def test_on_sqlite_the_write_lock_is_taken_for_the_writes_only(app, client, world, backend):
    if backend != "sqlite":
        pytest.skip("PostgreSQL has no database-wide write lock: its transactions begin as they did")
    with app.app_context():
        engine = db.engine
    login(client, world.m1)
    page = case_page(client, world.case, step="accept")
    sent = []
    listener = lambda conn, cursor, statement, *rest: sent.append(statement.split()[0:2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        response = client.post(f"/cases/{world.case}/fire/accept", data={
            "accept-csrf_token": csrf(page), "accept-version": "1"})
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert response.status_code == 302
    begins = [i for i, words in enumerate(sent) if words[0] == "BEGIN"]
    assert sent[begins[0]] == ["BEGIN"]  # the session, the case: read without the lock
    assert sent[begins[1]] == ["BEGIN", "IMMEDIATE"]
    assert all(words[0] == "SELECT" for words in sent[begins[0] + 1:begins[1]])
    assert any(words[0] == "UPDATE" for words in sent[begins[1]:])


def test_a_reads_first_view_that_writes_before_its_step_is_stopped_and_keeps_nothing(app, client, world, monkeypatch,
                                                                                      backend):
    """The COMMIT that ends a step's reads must not keep a write made before
    the step (it would stay even if the step were refused): such a view is a
    programming error, stopped before anything is committed."""
    if backend != "sqlite":
        pytest.skip("on PostgreSQL the step's reads and writes share one transaction, as before")
    login(client, world.m1)
    page = case_page(client, world.case, step="accept")
    checked = views.step_form

    def and_a_write(*args, **kwargs):
        db.session.execute(update(Dispute).where(Dispute.id == world.case).values(place="视图自己写的"))
        return checked(*args, **kwargs)

    monkeypatch.setattr(views, "step_form", and_a_write)
    app.config["PROPAGATE_EXCEPTIONS"] = True
    with pytest.raises(RuntimeError, match="reads_first but wrote before its step"):
        client.post(f"/cases/{world.case}/fire/accept", data={
            "accept-csrf_token": csrf(page), "accept-version": "1"})
    with app.app_context():
        d = db.session.get(Dispute, world.case)
        assert d.state == "submitted" and d.place != "视图自己写的"
