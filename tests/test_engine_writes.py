"""The engine's direct write of a step's rows (app/engine/writes.py) leaves
the database, the session and the audit log as the unit of work does, runs
the session's before_flush listeners (the statistics counters) once per
flush, and hands rows it does not take to the unit of work."""
import json
from datetime import timedelta

import pytest
from sqlalchemy import event, inspect, select
from sqlalchemy.orm.exc import StaleDataError

from app import clock, engine
from app.audit.models import AuditEvent
from app.audit.verify import verify
from app.disputes.models import Dispute, Party
from app.engine import core, writes
from app.extensions import db
from app.followups.models import FollowUp
from tests import factories as f

URGE_CYCLE = ("accept", "assign", "start_mediation", "agree", "start_performance", "breach")


@pytest.fixture
def world(ctx):
    street, (c1, c2), grids = f.org()
    m1 = f.user("mediator", community=c1)
    return type("World", (), dict(street=street, grids=grids, m1=m1))


def unit_of_work_only(monkeypatch):
    """The engine as it was: every flush by the unit of work."""
    monkeypatch.setattr(core, "flush", lambda session: session.flush())


def row(model, id_):
    """The stored row's columns but the key."""
    table = model.__table__
    values = db.session.execute(select(table).where(table.c.id == id_)).one()._asdict()
    values.pop("id")
    return values


def events_of(entity_type, entity_id):
    found = db.session.execute(
        select(AuditEvent).where(AuditEvent.entity_type == entity_type, AuditEvent.entity_id == entity_id)
        .order_by(AuditEvent.seq)).scalars().all()
    return [(e.seq, e.trigger, e.from_state, e.to_state, e.actor_id, e.actor_role, e.reason, e.data, e.at)
            for e in found]


def test_a_step_and_its_new_follow_up_are_written_as_the_unit_of_work_writes_them(world, monkeypatch):
    now = clock.now()
    direct = f.walk(f.dispute(world.m1, world.grids[0], now=now), world.m1, *URGE_CYCLE, now=now)
    with monkeypatch.context() as patched:
        unit_of_work_only(patched)
        by_uow = f.walk(f.dispute(world.m1, world.grids[0], now=now), world.m1, *URGE_CYCLE, now=now)
    later = now + timedelta(hours=1)
    engine.fire(direct, "urge", world.m1, now=later)
    with monkeypatch.context() as patched:
        unit_of_work_only(patched)
        engine.fire(by_uow, "urge", world.m1, now=later)

    def same(values, d):
        return {k: v for k, v in values.items() if k not in ("tracking_code", "file_seq", "file_no")}

    assert same(row(Dispute, direct.id), direct) == same(row(Dispute, by_uow.id), by_uow)
    assert row(Dispute, direct.id)["version"] == 8
    [f_direct] = db.session.execute(select(FollowUp).where(FollowUp.dispute_id == direct.id,
                                                           FollowUp.kind == "after_urging")).scalars()
    [f_uow] = db.session.execute(select(FollowUp).where(FollowUp.dispute_id == by_uow.id,
                                                        FollowUp.kind == "after_urging")).scalars()
    assert {**row(FollowUp, f_direct.id), "dispute_id": None} == {**row(FollowUp, f_uow.id), "dispute_id": None}
    assert row(FollowUp, f_direct.id)["version"] == 1
    # The urge's events alike (the creation events differ: each case seals its parties with its own key).
    urge_direct, urge_uow = events_of("dispute", direct.id)[-1], events_of("dispute", by_uow.id)[-1]
    assert urge_direct == urge_uow and urge_direct[1] == "urge"
    made_direct, made_uow = events_of("followup", f_direct.id), events_of("followup", f_uow.id)

    def without_case(e):
        data = json.loads(e[7])
        data.pop("dispute_id")
        data["_row"].pop("dispute_id")
        data.pop("_cause")  # the case's step that planned it: "dispute:<its id>:urge"
        return e[:7] + (data, e[8])

    assert json.loads(made_direct[0][7])["_cause"] == f"dispute:{direct.id}:urge"
    assert json.loads(made_uow[0][7])["_cause"] == f"dispute:{by_uow.id}:urge"

    assert [without_case(e) for e in made_direct] == [without_case(e) for e in made_uow]
    assert verify() == []


def test_after_a_direct_write_the_rows_are_persistent_clean_and_known_to_the_transaction(world):
    d = f.walk(f.dispute(world.m1, world.grids[0]), world.m1, *URGE_CYCLE)
    engine.fire(d, "urge", world.m1, commit=False)
    state = inspect(d)
    assert state.persistent and not state.modified and not db.session.dirty and not db.session.new
    assert d.version == 8 and d.state == "performing"
    followup = db.session.execute(select(FollowUp).where(FollowUp.dispute_id == d.id,
                                                         FollowUp.kind == "after_urging")).scalar_one()
    f_state = inspect(followup)
    assert f_state.persistent and f_state.key == (FollowUp, (followup.id,), None) and followup.version == 1
    assert followup.id in {s.key[1][0] for s in db.session.identity_map.all_states() if s.class_ is FollowUp}
    followup_id, case_id = followup.id, d.id
    db.session.rollback()  # nothing of the step stays
    assert db.session.execute(select(FollowUp.id).where(FollowUp.id == followup_id)).first() is None
    assert row(Dispute, case_id)["state"] == "breached" and row(Dispute, case_id)["version"] == 7


def test_a_row_changed_meanwhile_raises_stale_data_and_the_step_is_a_conflict(world):
    d = f.walk(f.dispute(world.m1, world.grids[0]), world.m1, "accept")
    # The version the step's UPDATE expects is the one loaded; the row moved on behind the session.
    db.session.execute(Dispute.__table__.update().where(Dispute.id == d.id).values(version=Dispute.version + 1))
    d.place = "另一处"
    with pytest.raises(StaleDataError):
        writes.flush(db.session)
    db.session.rollback()
    d = db.session.get(Dispute, d.id)
    db.session.execute(Dispute.__table__.update().where(Dispute.id == d.id).values(version=Dispute.version + 1))
    with pytest.raises(engine.Conflict):
        engine.fire(d, "assign", world.m1, mediator_id=world.m1.id)
    assert db.session.get(Dispute, d.id).state == "accepted"


def test_before_flush_listeners_run_once_a_flush(world):
    d = f.walk(f.dispute(world.m1, world.grids[0]), world.m1, "accept")
    calls = []
    listener = lambda session, context, objects: calls.append(len(session.dirty))  # noqa: E731
    event.listen(db.session(), "before_flush", listener)
    try:
        engine.fire(d, "assign", world.m1, mediator_id=world.m1.id)
    finally:
        event.remove(db.session(), "before_flush", listener)
    assert calls == [1]


def test_rows_a_listener_adds_that_the_direct_write_does_not_take_go_to_the_unit_of_work_once(world):
    d = f.walk(f.dispute(world.m1, world.grids[0]), world.m1, "accept")
    calls = []

    def listener(session, context, objects):
        calls.append(1)
        if len(calls) == 1:  # a party added through the case's relationship: not a plain row
            d.parties.append(Party(name="第三人", role="applicant"))

    event.listen(db.session(), "before_flush", listener)
    try:
        engine.fire(d, "assign", world.m1, mediator_id=world.m1.id)
    finally:
        event.remove(db.session(), "before_flush", listener)
    assert calls == [1]
    d = db.session.get(Dispute, d.id)
    assert d.state == "assigned" and "第三人" in [p.name for p in d.parties]


def test_pending_rows_the_direct_write_does_not_take_go_to_the_unit_of_work(world):
    d = f.walk(f.dispute(world.m1, world.grids[0]), world.m1, "accept")
    d.parties.append(Party(name="第三人", role="applicant"))
    assert writes._plan(db.session()) is None
    engine.fire(d, "assign", world.m1, mediator_id=world.m1.id)
    d = db.session.get(Dispute, d.id)
    assert d.state == "assigned" and "第三人" in [p.name for p in d.parties]
    assert verify() == []


def test_the_step_s_own_row_and_a_new_follow_up_are_plain():
    assert writes._shape(inspect(Dispute)).plain and writes._shape(inspect(FollowUp)).plain


def test_first_row_runs_a_prebuilt_select_with_its_fixed_values_on_the_session_s_connection(world):
    from sqlalchemy import bindparam

    d = f.walk(f.dispute(world.m1, world.grids[0]), world.m1, "accept")
    query = select(Dispute.id, Dispute.state).where(
        Dispute.id == bindparam("case_id"),
        Dispute.state.in_([bindparam("s0", "accepted"), bindparam("s1", "assigned")])).limit(1)
    assert tuple(engine.first_row(db.session, query, {"case_id": d.id})) == (d.id, "accepted")
    assert engine.first_row(db.session, query, {"case_id": d.id + 1000}) is None
    # In the session's transaction: it sees what the session wrote and has not committed.
    engine.fire(d, "assign", world.m1, mediator_id=world.m1.id, commit=False)
    assert tuple(engine.first_row(db.session, query, {"case_id": d.id})) == (d.id, "assigned")
    db.session.rollback()


def test_the_copy_of_the_unit_of_work_s_flush_is_of_the_sqlalchemy_it_was_made_for():
    """writes._unit_of_work repeats the end of SQLAlchemy 2.0's
    Session._flush (after its before_flush listeners), and the direct write
    uses the session's bookkeeping (_register_persistent): a new SQLAlchemy
    release is read against them before this pin moves."""
    import sqlalchemy

    assert sqlalchemy.__version__ == "2.0.46"  # as constraints.txt pins it


def test_a_failed_direct_write_is_all_or_nothing(world):
    """As the unit of work's flush: when a statement fails, what was written
    before it is rolled back too, and the session will not commit until the
    caller rolls back (no half of a step is ever saved, unaudited)."""
    from sqlalchemy.exc import IntegrityError, PendingRollbackError

    d = f.walk(f.dispute(world.m1, world.grids[0]), world.m1, "accept")
    case_id, version = d.id, d.version
    d.place = "新的地点"
    db.session.add(FollowUp(dispute_id=d.id))  # required columns missing: its INSERT fails after the UPDATE
    with pytest.raises(IntegrityError):
        writes.flush(db.session)
    with pytest.raises(PendingRollbackError):
        db.session.commit()
    db.session.rollback()
    assert row(Dispute, case_id)["place"] != "新的地点" and row(Dispute, case_id)["version"] == version


def test_listeners_added_after_a_class_was_first_written_are_called(world):
    """Whether a row may be written directly is asked at every flush: a
    mapper listener added later makes the unit of work write it (and call it)."""
    d = f.walk(f.dispute(world.m1, world.grids[0]), world.m1, "accept")  # its step written directly
    assert d.version == 2  # loaded again after the commit: a plain row for the direct write
    calls = []
    listener = lambda mapper, connection, target: calls.append(target.id)  # noqa: E731
    event.listen(Dispute, "before_update", listener)
    try:
        d.place = "新的地点"
        writes.flush(db.session)
    finally:
        event.remove(Dispute, "before_update", listener)
    assert calls == [d.id]


def test_a_value_its_type_cannot_take_is_a_statement_error_as_from_the_unit_of_work(world):
    from sqlalchemy.exc import StatementError

    d = f.walk(f.dispute(world.m1, world.grids[0]), world.m1, "accept")
    assert d.version == 2  # loaded again after the commit: a plain row for the direct write
    d.amount = "12,5"
    with pytest.raises(StatementError):
        writes.flush(db.session)
    db.session.rollback()


def test_statements_sent_past_sqlalchemy_are_seen_by_the_engine_s_cursor_listeners(world):
    """The direct write, the audit append and SQLite's BEGIN go to the DBAPI
    cursor, yet instrumentation and the statement budgets see them."""
    d = f.walk(f.dispute(world.m1, world.grids[0]), world.m1, *URGE_CYCLE)
    db.session.commit()
    before, after = [], []
    on_before = lambda conn, cursor, statement, *args: before.append(" ".join(statement.split()))  # noqa: E731
    on_after = lambda conn, cursor, statement, *args: after.append(" ".join(statement.split()))  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", on_before)
    event.listen(db.engine, "after_cursor_execute", on_after)
    try:
        engine.fire(d, "urge", world.m1)
    finally:
        event.remove(db.engine, "before_cursor_execute", on_before)
        event.remove(db.engine, "after_cursor_execute", on_after)
    assert before == after
    assert any(s.startswith("UPDATE disputes SET") and "version" in s for s in before)
    assert any(s.startswith("INSERT INTO followups") for s in before)
    assert sum(s.startswith("INSERT INTO audit_events") for s in before) == 2  # the step's and the follow-up's
    if db.engine.dialect.name == "sqlite":
        assert before[0] == "BEGIN IMMEDIATE"
