"""Signed checkpoints: the routine check starts from the newest one, and
tampering before or after a checkpoint is found."""
import json
import re
import threading
from datetime import datetime

import pytest
from sqlalchemy import func, select, text

from app import engine
from app.audit import checkpoints as checkpoints_module, guard
from app.audit.chain import chain_key, row_hash
from app.audit.checkpoints import AuditLogDamaged, checkpoint_job, verify_since_checkpoint
from app.audit.models import AuditCheckpoint, AuditEvent
from app.audit.reader import read_events
from app.audit.verify import verify
from app.auth.models import User
from app.database import read_only
from app.disputes.models import Dispute
from app.engine.timers import tick
from app.extensions import db
from tests import factories as f
from tests.factories import csrf, login

EVERY = 5


@pytest.fixture
def logged(app):
    """A log of a few cases' steps, with checkpoints every five events."""
    app.config["AUDIT_CHECKPOINT_EVERY"] = EVERY
    with app.app_context():
        street, (c1, _), grids = f.org()
        m = f.user("mediator", community=c1)
        cases = [f.dispute(m, grids[0]) for _ in range(3)]
        f.walk(cases[0], m, "accept", "assign", "start_mediation")
        f.walk(cases[1], m, "accept")
        yield {"mediator": m, "cases": cases}


def event_ids():
    return db.session.execute(select(AuditEvent.id).order_by(AuditEvent.id)).scalars().all()


def checkpoints():
    return db.session.execute(select(AuditCheckpoint).order_by(AuditCheckpoint.events)).scalars().all()


def tamper(statement, **params):
    """What someone with database access would do: drop the append-only guard first."""
    db.session.rollback()
    with db.engine.begin() as conn:
        guard.remove(conn)
        conn.execute(text(statement), params)


def rechain_from(first_id):
    """Rewrite every hash from `first_id` on, as someone holding AUDIT_KEY could."""
    rows = db.session.execute(select(AuditEvent.__table__).order_by(AuditEvent.id)).all()
    db.session.rollback()  # the session's transaction holds SQLite's write lock
    prev = None
    with db.engine.begin() as conn:
        for row in rows:
            if row.id >= first_id:
                fields = {"entity_type": row.entity_type, "entity_id": row.entity_id, "seq": row.seq,
                          "trigger": row.trigger, "from_state": row.from_state, "to_state": row.to_state,
                          "actor_id": row.actor_id, "actor_role": row.actor_role,
                          "at": row.at.isoformat(timespec="microseconds"), "reason": row.reason, "data": row.data}
                new = row_hash(chain_key(), fields, prev)
                conn.execute(text("UPDATE audit_events SET prev_hash = :p, hash = :h WHERE id = :i"),
                             {"p": prev, "h": new, "i": row.id})
                prev = new
            else:
                prev = row.hash
    db.session.expire_all()


def test_the_job_signs_a_checkpoint_every_n_events(logged):
    total = len(event_ids())
    assert checkpoint_job() == total // EVERY
    made = checkpoints()
    ids = event_ids()
    assert [(c.events, c.last_id) for c in made] == [(n, ids[n - 1]) for n in range(EVERY, total + 1, EVERY)]
    assert checkpoint_job() == 0  # nothing new to sign
    with read_only():
        assert verify_since_checkpoint() == ([], [])
        assert verify() == []


def test_a_tampered_event_after_the_checkpoint_is_found_and_nothing_more_is_signed(logged):
    checkpoint_job()
    newest = checkpoints()[-1]
    later = [i for i in event_ids() if i > newest.last_id]
    assert later, "the fixture leaves events after the newest checkpoint"
    tamper("UPDATE audit_events SET reason = 'nothing happened' WHERE id = :i", i=later[0])
    with read_only():
        problems, _ = verify_since_checkpoint()
    assert len(problems) == 1 and f"id={later[0]}" in problems[0] and "edited" in problems[0]
    f.walk(logged["cases"][2], logged["mediator"], "accept", "assign", "start_mediation", "agree")
    with pytest.raises(AuditLogDamaged):
        checkpoint_job()
    assert checkpoints()[-1].events == newest.events
    # The timer reports the job as failed, and goes on.
    report = tick(jobs=True)
    assert [name for kind, _, name, _ in report.failed if kind == "job"] == ["audit checkpoints signed"]


def test_an_event_rewritten_before_a_checkpoint_with_every_later_hash_is_found(logged):
    checkpoint_job()
    first = checkpoints()[0]
    target = event_ids()[1]  # before the first checkpoint
    tamper("UPDATE audit_events SET reason = 'nothing happened' WHERE id = :i", i=target)
    rechain_from(target)
    with read_only():
        routine, _ = verify_since_checkpoint()
        full = verify()
    # The hashes and links agree again: only the signed checkpoints tell.
    assert any("no longer has the signed head" in p for p in routine)
    assert full and all("checkpoint after" in p for p in full)
    assert any(f"checkpoint after {first.events} events" in p for p in full)


def test_an_event_edited_before_the_checkpoint_is_found_by_the_full_check(logged):
    checkpoint_job()
    target = event_ids()[1]
    tamper("UPDATE audit_events SET reason = 'nothing happened' WHERE id = :i", i=target)
    with read_only():
        problems = verify()
    assert len(problems) == 1 and f"id={target}" in problems[0] and "edited" in problems[0]


def test_a_forged_checkpoint_is_reported_and_the_check_starts_from_the_first_event(logged):
    checkpoint_job()
    newest = checkpoints()[-1]
    tamper("UPDATE audit_checkpoints SET signature = :s WHERE id = :i", s="0" * 64, i=newest.id)
    with read_only():
        routine, _ = verify_since_checkpoint()
        full = verify()
    assert len(routine) == 1 and "signature does not match" in routine[0]
    assert len(full) == 1 and "signature does not match" in full[0]


def test_removed_events_under_a_checkpoint_are_found(logged):
    checkpoint_job()
    last = checkpoints()[-1]
    tamper("DELETE FROM audit_events WHERE id >= :i", i=last.last_id)
    with read_only():
        routine, _ = verify_since_checkpoint()
        full = verify()
    assert any("no longer has the signed head" in p for p in routine)
    assert any(f"checkpoint after {last.events} events" in p and "removed" in p for p in full)


def test_the_routine_check_on_the_command_line(app, logged):
    checkpoint_job()
    newest = checkpoints()[-1]
    after = db.session.execute(select(func.count()).where(AuditEvent.id > newest.last_id)).scalar()
    db.session.rollback()
    out = app.test_cli_runner().invoke(args=["audit", "verify", "--since-checkpoint"])
    assert out.exit_code == 0, out.output
    assert f"audit log intact: {after} events checked since the checkpoint after {newest.events} events" in out.output
    full = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert full.exit_code == 0 and "audit log intact" in full.output


def test_a_check_in_progress_does_not_block_a_writer(app, logged):
    case_id, mediator_id = logged["cases"][2].id, logged["mediator"].id
    db.session.commit()
    outcome = []

    def writer():
        with app.app_context():
            try:
                engine.fire(db.session.get(Dispute, case_id), "accept", db.session.get(User, mediator_id),
                            now=datetime(2026, 12, 2, 12, 0))
                outcome.append("written")
            except Exception as error:  # reported by the assertion below
                outcome.append(repr(error))
            finally:
                db.session.remove()

    with read_only():
        reading = read_events(db.session)
        next(reading)  # the check has begun: its snapshot and cursor are open
        thread = threading.Thread(target=writer)
        thread.start()
        thread.join()
        rest = list(reading)
    assert outcome == ["written"]
    # The check went on reading its own snapshot: the new event is not in it.
    assert len(rest) + 1 == len(event_ids()) - 1
    assert db.session.get(Dispute, case_id).state == "accepted"


@pytest.mark.parametrize("text", ['引号"和\\反斜杠', "换行\n制表\t", "\u2028\u2029\x00\x1f", "😀 emoji", ""])
def test_the_fast_hash_check_spells_events_as_canonical_json(app, text):
    from app.audit.chain import hash_checker
    from app.audit.reader import Event

    with app.app_context():
        fields = {"entity_type": "dispute", "entity_id": 7, "seq": 2, "trigger": text, "from_state": None,
                  "to_state": "accepted", "actor_id": None, "actor_role": "mediator",
                  "at": datetime(2026, 12, 2, 9, 30, 0, 5), "reason": text, "data": '{"facts":"%s"}' % text}
        stored = row_hash(chain_key(), dict(fields, at=fields["at"].isoformat(timespec="microseconds")), "p" * 64)
        event = Event(id=1, prev_hash="p" * 64, hash=stored, **fields)
        assert hash_checker(chain_key())(event)
        assert not hash_checker(chain_key())(event._replace(reason=text + "x"))


def signed_events():
    return db.session.execute(select(AuditEvent).where(AuditEvent.trigger == "checkpoint_signed")
                              .order_by(AuditEvent.id)).scalars().all()


def test_each_checkpoint_signed_is_an_audit_event_after_the_head_it_names(logged):
    before = event_ids()
    signed = checkpoint_job()
    made = checkpoints()
    events = signed_events()
    assert signed == len(made) == len(events) > 0
    for checkpoint, event in zip(made, events):
        assert (event.entity_type, event.entity_id, event.seq) == ("audit_checkpoint", checkpoint.id, 1)
        assert (event.actor_id, event.actor_role, event.at) == (None, "system", checkpoint.made_at)
        assert json.loads(event.data) == {"by": "tick", "events": checkpoint.events,
                                          "last_id": checkpoint.last_id, "head": checkpoint.head}
        # It joins the chain after everything the job read, so after the head it signed.
        assert event.id > before[-1] >= checkpoint.last_id
    with read_only():
        assert verify_since_checkpoint() == ([], [])
        assert verify() == []


def test_the_signing_events_are_covered_by_the_next_checkpoints(logged):
    checkpoint_job()
    first_round = {e.id for e in signed_events()}
    # Enough new events that the next checkpoints fall after the signing events.
    f.walk(logged["cases"][2], logged["mediator"], "accept", "assign", "start_mediation", "agree")
    f.walk(logged["cases"][1], logged["mediator"], "assign", "start_mediation")
    assert checkpoint_job() > 0
    assert checkpoints()[-1].last_id > max(first_round)
    with read_only():
        assert verify_since_checkpoint() == ([], [])
        assert verify() == []
    # Edited after a later checkpoint covered it: the full check finds it, the signed head too.
    target = min(first_round)
    tamper("UPDATE audit_events SET data = :d WHERE id = :i",
           d='{"by":"tick","events":1,"head":"forged","last_id":1}', i=target)
    with read_only():
        full = verify()
    assert len(full) == 1 and f"id={target}" in full[0] and "edited" in full[0]
    rechain_from(target)
    with read_only():
        routine, _ = verify_since_checkpoint()
        full = verify()
    assert any("no longer has the signed head" in p for p in routine)
    assert full and all("checkpoint after" in p for p in full)


def test_a_signing_event_edited_after_the_newest_checkpoint_is_found(logged):
    checkpoint_job()
    newest = signed_events()[-1]
    assert newest.id > checkpoints()[-1].last_id
    tamper("UPDATE audit_events SET data = :d WHERE id = :i", d=newest.data.replace('"tick"', '"cli"'),
           i=newest.id)
    with read_only():
        routine, _ = verify_since_checkpoint()
        full = verify()
    assert len(routine) == 1 and f"id={newest.id}" in routine[0] and "edited" in routine[0]
    assert full == routine
    with pytest.raises(AuditLogDamaged):
        checkpoint_job()


def test_a_checkpoint_and_its_event_are_written_together_or_not_at_all(logged, monkeypatch):
    with read_only():
        _, marks = verify_since_checkpoint()
    assert checkpoint_job() == len(marks) > 0
    counted = len(signed_events())
    # A second runner that read the same positions before the first signed them: nothing more is written.
    monkeypatch.setattr(checkpoints_module, "verify_since_checkpoint", lambda: ([], marks))
    assert checkpoint_job() == 0
    assert len(signed_events()) == counted and len(checkpoints()) == len(marks)
    monkeypatch.undo()
    # The event cannot be appended: no checkpoint is kept either, and the tick reports the job failed.
    f.walk(logged["cases"][2], logged["mediator"], "accept", "assign", "start_mediation", "agree")

    def refuse(*args, **kwargs):
        raise RuntimeError("the log refused the event")

    monkeypatch.setattr(checkpoints_module, "record", refuse)
    kept = len(checkpoints())
    report = tick(jobs=True)
    assert [name for kind, _, name, _ in report.failed if kind == "job"] == ["audit checkpoints signed"]
    assert len(checkpoints()) == kept and len(signed_events()) == counted


def test_the_checkpoint_command_signs_and_says_so(app, logged):
    db.session.commit()
    out = app.test_cli_runner().invoke(args=["audit", "checkpoint"])
    assert out.exit_code == 0, out.output
    made = checkpoints()
    assert f"{len(made)} audit checkpoint(s) signed" in out.output and made
    assert {json.loads(e.data)["by"] for e in signed_events()} == {"cli"}
    db.session.rollback()
    again = app.test_cli_runner().invoke(args=["audit", "checkpoint"])
    assert again.exit_code == 0 and "0 audit checkpoint(s) signed" in again.output
    tamper("UPDATE audit_events SET reason = 'nothing happened' WHERE id = :i", i=event_ids()[-1])
    damaged = app.test_cli_runner().invoke(args=["audit", "checkpoint"])
    assert damaged.exit_code == 1 and "run flask audit verify" in damaged.output
    assert len(checkpoints()) == len(made)


def test_the_audit_log_shows_a_signed_checkpoint_in_words(app, client):
    app.config["AUDIT_CHECKPOINT_EVERY"] = EVERY
    with app.app_context():  # built, then left: the pages' requests use their own contexts (and language)
        street, (c1, _), grids = f.org()
        m = f.user("mediator", community=c1)
        for _ in range(2):
            f.walk(f.dispute(m, grids[0]), m, "accept", "assign", "start_mediation")
        supervisor = f.user("supervisor").username  # of the city: events about no street are theirs
        checkpoint_job()
        made = [(c.id, c.events, c.head) for c in checkpoints()]
        first_event = signed_events()[0].id
        db.session.remove()
    login(client, supervisor)
    page = client.get("/audit/").get_data(as_text=True)
    client.post("/language/en", data={"csrf_token": csrf(page), "next": "/audit/"})
    html = client.get("/audit/?trigger=Audit checkpoint signed").get_data(as_text=True)
    found = re.findall(r'<tr data-trigger="([^"]+)" data-entity="([^"]*)"', html)
    assert made and sorted(found) == sorted(("checkpoint_signed", f"audit_checkpoint:{i}") for i, _, _ in made)
    row = re.search(rf'<td role="cell" class="event-id">{first_event}</td>(.*?)</tr>', html, re.S).group(1)
    text_of = " ".join(re.sub(r"<[^>]+>", " ", row).split())
    checkpoint_id, events, head = made[0]
    assert "(System)" in text_of and f"Audit checkpoint #{checkpoint_id}" in text_of
    assert "Audit checkpoint signed" in text_of
    assert f"Events covered: {events}" in text_of and f"Hash of the last event: {head}" in text_of
    assert "Signed through: The timer job (flask workflows tick)" in text_of
    assert '<option value="Audit checkpoint signed">' in html
    assert rows_found(client, "?entity_type=Audit checkpoint") == found


def rows_found(client, query):
    html = client.get(f"/audit/{query}").get_data(as_text=True)
    return re.findall(r'<tr data-trigger="([^"]+)" data-entity="([^"]*)"', html)
