"""The full check in worker processes (app/audit/workers.py): each checks a
range of ids, and the result is the same as one process reading the whole
log, whatever is tampered with and wherever it sits against the ranges."""
import threading

import pytest
from sqlalchemy import func, select, text

from app import engine
from app.audit import guard, verify as verify_module
from app.audit.chain import current_digest
from app.audit.checkpoints import checkpoint_job
from app.audit.models import AuditEvent
from app.audit.verify import verify
from app.auth.models import User
from app.database import read_only
from app.disputes.models import Dispute
from app.extensions import db
from tests import factories as f

WORKERS = 3


@pytest.fixture
def log(ctx, monkeypatch):
    """About 40 events over six cases, checked in three workers however few."""
    monkeypatch.setattr(verify_module, "EVENTS_PER_WORKER", 1)
    street, (c1, _), grids = f.org()
    m = f.user("mediator", community=c1)
    cases = [f.dispute(m, grids[0]) for _ in range(6)]
    for d in cases[:4]:
        f.walk(d, m, "accept", "assign", "start_mediation")
    f.walk(cases[4], m, "accept")
    f.walk(cases[0], m, "agree", "start_performance")
    db.session.commit()
    return {"cases": cases, "mediator": m}


@pytest.fixture
def forked(monkeypatch):
    """How many times the check ran in workers."""
    calls = []
    real = verify_module.run_in_workers

    def spy(session, ranges, scan_range, progress=None):
        calls.append(len(ranges))
        return real(session, ranges, scan_range, progress)

    monkeypatch.setattr(verify_module, "run_in_workers", spy)
    return calls


def ids():
    return db.session.execute(select(AuditEvent.id).order_by(AuditEvent.id)).scalars().all()


def range_starts():
    """The position (0-based) of the first event of each worker's range but the first."""
    total = len(ids())
    return [total * n // WORKERS for n in range(1, WORKERS)]


def tamper(statement, **params):
    db.session.rollback()
    with db.engine.begin() as conn:
        guard.remove(conn)
        conn.execute(text(statement), params)


def both():
    """(one process, workers): the full check both ways, in one snapshot each."""
    with read_only():
        single = verify(workers=1)
    with read_only():
        parallel = verify(workers=WORKERS)
    return single, parallel


def test_an_intact_log_verifies_in_workers(log, forked):
    single, parallel = both()
    assert single == parallel == []
    assert forked == [WORKERS]


def near_the_boundaries():
    """Positions at, just before and just after each range start, and the ends."""
    positions = {0, len(ids()) - 1}
    for start in range_starts():
        positions |= {start - 1, start, start + 1}
    return sorted(positions)


def test_an_edited_event_is_found_in_any_range_and_at_its_boundaries(log, forked):
    for position in near_the_boundaries():
        target = ids()[position]
        tamper("UPDATE audit_events SET reason = 'nothing happened' WHERE id = :i", i=target)
        single, parallel = both()
        assert parallel == single, position
        assert len(parallel) == 1 and f"id={target}" in parallel[0] and "edited" in parallel[0], position
        tamper("UPDATE audit_events SET reason = NULL WHERE id = :i", i=target)
    assert both() == ([], [])
    assert len(forked) == len(near_the_boundaries()) + 1


@pytest.mark.parametrize("which", ["last of a range", "first of a range"])
def test_an_event_removed_at_a_boundary_is_found(log, forked, which):
    start = range_starts()[0]
    target = ids()[start - 1 if which == "last of a range" else start]
    tamper("DELETE FROM audit_events WHERE id = :i", i=target)
    single, parallel = both()
    assert parallel == single
    assert any("link to the previous row is broken" in p for p in parallel)
    assert forked


@pytest.mark.parametrize("offset", [-1, 0, 1])
def test_an_event_inserted_at_a_boundary_is_found(log, forked, offset):
    """A copy of an event slipped in after the event at a range start (ids
    after it moved up to make room), with its own hash and sequence number."""
    after = ids()[range_starts()[1] + offset]
    tamper("UPDATE audit_events SET id = id + 1000 WHERE id > :i", i=after)
    tamper("INSERT INTO audit_events (id, entity_type, entity_id, seq, trigger, from_state, to_state, actor_id,"
           " actor_role, at, reason, data, prev_hash, hash) SELECT id + 1, entity_type, entity_id, seq + 100,"
           " trigger, from_state, to_state, actor_id, actor_role, at, reason, data, prev_hash,"
           " 'x' || substr(hash, 2) FROM audit_events WHERE id = :i", i=after)
    single, parallel = both()
    assert parallel == single
    assert any(f"id={after + 1}" in p and "link to the previous row is broken" in p for p in parallel)
    assert any(f"id={after + 1001}" in p and "link to the previous row is broken" in p for p in parallel)
    assert any(f"id={after + 1}" in p and "hash does not match" in p for p in parallel)
    assert forked


def test_sequences_states_and_columns_carry_across_ranges(log, forked):
    """A case whose events fall in several ranges: its state and columns,
    replayed across them, are compared with its row."""
    first = log["cases"][0]
    spread = {row.id for row in db.session.execute(select(AuditEvent.id).where(
        AuditEvent.entity_type == "dispute", AuditEvent.entity_id == first.id))}
    starts = [ids()[s] for s in range_starts()]
    assert min(spread) < starts[0] and max(spread) >= starts[1]  # the fixture's premise
    db.session.execute(text("UPDATE disputes SET place = 'elsewhere', state = 'closed' WHERE id = :i"),
                       {"i": first.id})
    db.session.commit()
    single, parallel = both()
    assert parallel == single
    assert f"dispute #{first.id}: stored state 'closed' but replaying its events gives 'performing'" in parallel
    assert f"dispute #{first.id}: column place differs from the value its events set" in parallel


def test_checkpoints_and_a_digest_are_held_in_whichever_range_they_fall(app, log, forked):
    app.config["AUDIT_CHECKPOINT_EVERY"] = 4
    assert checkpoint_job() > WORKERS
    kept = current_digest()
    assert both() == ([], [])
    with read_only():
        assert verify(kept, workers=WORKERS) == verify(kept, workers=1) == []
    target = ids()[range_starts()[1] - 2]
    tamper("UPDATE audit_events SET reason = 'nothing happened' WHERE id = :i", i=target)
    tamper("DELETE FROM audit_events WHERE id = :i", i=ids()[-1])
    with read_only():
        single, parallel = verify(kept, workers=1), verify(kept, workers=WORKERS)
    assert parallel == single
    assert any(f"id={target}" in p and "edited" in p for p in parallel)
    assert any("the digest covered" in p for p in parallel)
    assert forked


def test_workers_read_the_snapshot_the_check_started_in(app, log, forked):
    """A step committed after the check began is not read by the workers
    (its case's row, read in the check's snapshot, would not match it)."""
    case_id, mediator_id = log["cases"][5].id, log["mediator"].id
    outcome = []

    def writer():  # a thread: a session and a transaction of its own
        with app.app_context():
            try:
                engine.fire(db.session.get(Dispute, case_id), "accept", db.session.get(User, mediator_id))
                db.session.commit()
                outcome.append("written")
            finally:
                db.session.remove()

    with read_only():
        before = db.session.execute(select(func.count(AuditEvent.id))).scalar()  # the snapshot begins
        thread = threading.Thread(target=writer)
        thread.start()
        thread.join()
        assert outcome == ["written"]
        assert verify(workers=WORKERS) == []
        assert db.session.execute(select(func.count(AuditEvent.id))).scalar() == before
    assert forked == [WORKERS]
    assert len(ids()) == before + 1
    assert both() == ([], [])


def test_the_command_checks_in_workers(app, log, forked):
    app.config["AUDIT_VERIFY_WORKERS"] = WORKERS
    total = len(ids())
    db.session.rollback()
    out = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert out.exit_code == 0, out.output
    assert f"audit log intact: {total} events checked" in out.output
    assert forked == [WORKERS]


@pytest.fixture
def results(monkeypatch):
    """What each run in workers returned: per worker (its part with only
    the entities and rows other ranges touch too, problems in the log's
    order, problems of the stored rows it compared)."""
    runs = []
    real = verify_module.run_in_workers

    def spy(session, ranges, work, progress=None):
        parts = real(session, ranges, work, progress)
        runs.append(parts)
        return parts

    monkeypatch.setattr(verify_module, "run_in_workers", spy)
    return runs


def events_of(case):
    return db.session.execute(select(AuditEvent.id).where(
        AuditEvent.entity_type == "dispute", AuditEvent.entity_id == case.id)).scalars().all()


def test_a_worker_finds_a_tampered_row_only_its_range_touches(log, results):
    """A case whose events all fall in one range is compared with its row
    by the worker that read them (in the check's snapshot, on either
    database): its row and its parties, not shipped to the command."""
    case = log["cases"][5]  # created, nothing more: one event
    party = case.parties[0]
    tamper("UPDATE disputes SET place = 'elsewhere', state = 'closed' WHERE id = :i", i=case.id)
    tamper("UPDATE parties SET name = 'someone else' WHERE id = :i", i=party.id)
    single, parallel = both()
    expected = [f"dispute #{case.id}: stored state 'closed' but replaying its events gives 'submitted'",
                f"dispute #{case.id}: column place differs from the value its events set",
                f"party #{party.id}: column name differs from the value its events set"]
    assert parallel == single == expected
    (parts,) = results
    found = [[text for _, text in of_rows] for _, _, of_rows in parts]
    assert sorted(text for texts in found for text in texts) == sorted(expected)
    assert sum(1 for texts in found if texts) == 1  # one worker: the one whose range holds the case's events
    for rest, _, _ in parts:
        assert ("dispute", case.id) not in rest.states and ("party", party.id) not in rest.columns


def test_a_case_spanning_the_ranges_is_compared_by_the_command(log, results):
    """Its partial states and columns go to the command, which merges them
    in order and compares the row; cases within one range do not."""
    spanning = log["cases"][0]
    events = events_of(spanning)
    starts = [ids()[s] for s in range_starts()]
    assert min(events) < starts[0] and max(events) >= starts[1]  # the fixture's premise
    tamper("UPDATE disputes SET place = 'elsewhere' WHERE id = :i", i=spanning.id)
    single, parallel = both()
    assert parallel == single == [f"dispute #{spanning.id}: column place differs from the value its events set"]
    (parts,) = results
    assert not any(of_rows for _, _, of_rows in parts)
    assert sum(("dispute", spanning.id) in rest.states for rest, _, _ in parts) >= 2
    within = [c for c in log["cases"] if len({sum(e >= s for s in starts) for e in events_of(c)}) == 1]
    assert within
    for case in within:
        assert not any(("dispute", case.id) in rest.states for rest, _, _ in parts)


def test_a_sqlite_worker_with_a_newer_head_leaves_the_rows_to_the_command(app, backend, log, results):
    """On SQLite a worker reads what was committed when it began: after a
    step committed since the check's snapshot began, its rows are not the
    snapshot's, so it compares none and the command compares them all in
    its own snapshot (tampering still found, the new step not mistaken for
    tampering). PostgreSQL's workers share the snapshot and compare theirs."""
    case_id, mediator_id = log["cases"][5].id, log["mediator"].id
    party = log["cases"][5].parties[0]  # made with the case, in one event: one range holds it
    tamper("UPDATE parties SET name = 'someone else' WHERE id = :i", i=party.id)

    def writer():
        with app.app_context():
            try:
                engine.fire(db.session.get(Dispute, case_id), "accept", db.session.get(User, mediator_id))
                db.session.commit()
            finally:
                db.session.remove()

    with read_only():
        db.session.execute(select(func.count(AuditEvent.id))).scalar()  # the snapshot begins
        thread = threading.Thread(target=writer)
        thread.start()
        thread.join()
        problems = verify(workers=WORKERS)
    assert problems == [f"party #{party.id}: column name differs from the value its events set"]
    (parts,) = results
    compared_by_workers = [of_rows for _, _, of_rows in parts]
    if backend == "sqlite":
        assert compared_by_workers == [[]] * WORKERS
        assert all(rest.states for rest, _, _ in parts)  # every range's cases left to the command
    else:
        assert [text for of_rows in compared_by_workers for _, text in of_rows] == problems
