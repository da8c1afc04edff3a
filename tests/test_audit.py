"""The log cannot be changed quietly: every kind of tampering is detected."""
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from app.audit import guard
from app.audit.chain import Digest, current_digest
from app.audit.verify import verify
from app.extensions import db
from tests import factories as f


@pytest.fixture
def history(ctx):
    street, (c1, c2), grids = f.org()
    m = f.user("mediator", community=c1)
    cases = [f.dispute(m, grids[0]) for _ in range(3)]
    f.walk(cases[0], m, "accept", "assign", "start_mediation")
    f.walk(cases[1], m, "accept")
    return cases


def drop_guard():
    """What someone with database access would do first."""
    db.session.rollback()  # end the session's transaction, which holds locks
    with db.engine.begin() as conn:
        guard.remove(conn)


def ids():
    return [r[0] for r in db.session.execute(text("SELECT id FROM audit_events ORDER BY id"))]


def test_an_untouched_log_verifies(history):
    assert verify() == []
    assert verify(current_digest()) == []


@pytest.mark.parametrize("statement", [
    "UPDATE audit_events SET reason = 'x'",
    "DELETE FROM audit_events",
])
def test_database_triggers_refuse_changes(history, statement):
    db.session.rollback()
    with pytest.raises(DatabaseError, match="append-only"):
        with db.engine.begin() as conn:
            conn.exec_driver_sql(statement)
    assert verify() == []


def test_an_edited_row_is_detected(history):
    drop_guard()
    target = ids()[3]
    db.session.execute(text("UPDATE audit_events SET reason = 'nothing happened' WHERE id = :i"), {"i": target})
    db.session.commit()
    problems = verify()
    assert len(problems) == 1 and f"id={target}" in problems[0] and "edited" in problems[0]


def test_an_edited_state_breaks_the_replay_and_the_hash(history):
    drop_guard()
    target = ids()[-1]
    db.session.execute(text("UPDATE audit_events SET to_state = 'rejected' WHERE id = :i"), {"i": target})
    db.session.commit()
    problems = verify()
    assert any(f"id={target}" in p for p in problems)
    assert any("stored state" in p for p in problems)


def test_a_deleted_row_is_detected(history):
    drop_guard()
    target = ids()[4]
    db.session.execute(text("DELETE FROM audit_events WHERE id = :i"), {"i": target})
    db.session.commit()
    problems = verify()
    assert problems and any("link to the previous row is broken" in p for p in problems)


def test_an_inserted_or_duplicated_row_is_detected(history):
    drop_guard()
    db.session.execute(text(
        "INSERT INTO audit_events (entity_type, entity_id, seq, trigger, from_state, to_state, actor_id, actor_role,"
        " at, reason, data, prev_hash, hash) SELECT entity_type, entity_id, seq + 100, trigger, from_state, to_state,"
        " actor_id, actor_role, at, reason, data, prev_hash, 'x' || substr(hash, 2) FROM audit_events"
        " WHERE id = :i"), {"i": ids()[2]})
    db.session.commit()
    problems = verify()
    assert any("link to the previous row is broken" in p for p in problems)
    assert any("hash does not match" in p for p in problems)


def test_swapped_rows_are_detected(history):
    drop_guard()
    a, b = ids()[2], ids()[3]
    columns = ("entity_type, entity_id, seq, trigger, from_state, to_state, actor_id, actor_role, at, reason, data,"
               " prev_hash, hash")
    rows = {i: db.session.execute(text(f"SELECT {columns} FROM audit_events WHERE id = :i"), {"i": i}).one()
            for i in (a, b)}
    # Unique constraints would refuse the swap mid-way: park row a first.
    db.session.execute(text("UPDATE audit_events SET hash = 'parked', seq = -1 WHERE id = :i"), {"i": a})
    for target, source in ((b, a), (a, b)):
        r = rows[source]._mapping
        db.session.execute(text(
            "UPDATE audit_events SET entity_type=:entity_type, entity_id=:entity_id, seq=:seq, trigger=:trigger,"
            " from_state=:from_state, to_state=:to_state, actor_id=:actor_id, actor_role=:actor_role, at=:at,"
            " reason=:reason, data=:data, prev_hash=:prev_hash, hash=:hash WHERE id=:id"), dict(r, id=target))
    db.session.commit()
    problems = verify()
    assert any(f"id={a}" in p for p in problems) and any(f"id={b}" in p for p in problems)


def test_a_cut_tail_is_detected_against_a_kept_digest(history):
    kept = current_digest()
    drop_guard()
    last_two = ids()[-2:]
    db.session.execute(text("DELETE FROM audit_events WHERE id IN (:a, :b)"), {"a": last_two[0], "b": last_two[1]})
    db.session.commit()
    # Without the digest the remaining chain still links up...
    assert not any("link" in p for p in verify())
    # ...but the kept digest shows that events it covered are gone.
    problems = verify(kept)
    assert any("events were removed" in p for p in problems)


def test_a_digest_from_a_forked_history_is_detected(history):
    forged = Digest(current_digest().events, "0" * 63 + "1")
    problems = verify(forged)
    assert any("digest" in p for p in problems)


def test_digest_parsing_rejects_garbage():
    with pytest.raises(ValueError):
        Digest.parse("events=3 head=abc")
    with pytest.raises(ValueError):
        Digest.parse("audit-digest events=3 head=xyz")
    d = Digest.parse("audit-digest events=3 head=" + "a" * 64)
    assert (d.events, d.head) == (3, "a" * 64)


def test_a_state_changed_outside_the_engine_is_detected(history):
    db.session.execute(text("UPDATE disputes SET state = 'closed' WHERE id = :i"), {"i": history[2].id})
    db.session.commit()
    problems = verify()
    assert any(f"dispute #{history[2].id}: stored state 'closed'" in p for p in problems)


def test_truncate_is_refused_on_postgresql(history, backend):
    statement = "TRUNCATE audit_events" if backend == "postgresql" else "DELETE FROM audit_events WHERE 1 = 1"
    db.session.rollback()
    with pytest.raises(DatabaseError, match="append-only"):
        with db.engine.begin() as conn:
            conn.exec_driver_sql(statement)
    assert verify() == []
