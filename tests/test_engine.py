from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from app import engine
from app.audit.models import AuditEvent
from app.disputes.models import Dispute
from app.engine.hooks import EFFECTS
from app.extensions import db
from tests import factories_supervision as fs
from tests import factories as f


def events(d):
    return db.session.execute(
        select(AuditEvent).where(AuditEvent.entity_type == "dispute", AuditEvent.entity_id == d.id)
        .order_by(AuditEvent.seq)).scalars().all()


@pytest.fixture
def world(ctx):
    street, (c1, c2), grids = f.org()
    m1 = f.user("mediator", community=c1)
    m2 = f.user("mediator", community=c2)
    gw = f.user("gridworker", grid=grids[0])
    sup = f.user("supervisor", street=street)
    return type("World", (), dict(street=street, c1=c1, c2=c2, grids=grids, m1=m1, m2=m2, gw=gw, sup=sup))


def test_create_records_the_initial_state_and_an_event(world):
    d = f.dispute(world.m1, world.grids[0])
    assert d.state == "submitted" and d.version == 1
    assert d.due_at == d.state_entered_at + timedelta(days=1)
    [event] = events(d)
    assert (event.trigger, event.from_state, event.to_state, event.seq) == ("create", None, "submitted", 1)
    assert event.actor_id == world.m1.id and event.actor_role == "mediator"


def test_fire_changes_state_bumps_version_and_appends_one_event(world):
    d = f.dispute(world.m1, world.grids[0])
    engine.fire(d, "accept", world.m1, expected_version=1)
    d = db.session.get(Dispute, d.id)
    assert d.state == "accepted" and d.version == 2
    assert d.file_no == f"({d.file_year})莱人调字第1号"
    last = events(d)[-1]
    assert (last.trigger, last.from_state, last.to_state, last.seq) == ("accept", "submitted", "accepted", 2)


@pytest.mark.parametrize("trigger, actor, error", [
    ("agree", "m1", engine.NotAllowed),       # not possible from 'submitted'
    ("no_such_trigger", "m1", engine.NotAllowed),
    ("accept", "gw", engine.Forbidden),        # grid workers may not accept
    ("accept", "sup", engine.Forbidden),
    ("accept", "m2", engine.Forbidden),        # another community's mediator
    ("reject", "m1", engine.MissingData),      # needs a route and a reason
])
def test_refused_steps_change_nothing(world, trigger, actor, error):
    d = f.dispute(world.m1, world.grids[0])
    with pytest.raises(error):
        engine.fire(d, trigger, getattr(world, actor))
    d = db.session.get(Dispute, d.id)
    assert d.state == "submitted" and d.version == 1
    assert len(events(d)) == 1


def test_reason_is_required_where_the_workflow_says(world):
    d = f.dispute(world.m1, world.grids[0])
    with pytest.raises(engine.MissingData) as refused:
        engine.fire(d, "reject", world.m1, "   ", route="court")
    assert refused.value.field == "reason"
    engine.fire(d, "reject", world.m1, "不属于受理范围", route="court")
    assert db.session.get(Dispute, d.id).state == "rejected"


def test_guard_refuses_with_a_message(world):
    d = f.dispute(world.m1, world.grids[0], parties=0)
    with pytest.raises(engine.GuardFailed, match="当事人"):  # the default language
        engine.fire(d, "accept", world.m1)
    assert db.session.get(Dispute, d.id).state == "submitted"


def test_assign_guard_checks_the_assignee(world):
    d = f.walk(f.dispute(world.m1, world.grids[0]), world.m1, "accept")
    with pytest.raises(engine.GuardFailed):
        engine.fire(d, "assign", world.m1, mediator_id=world.m2.id)  # other community
    with pytest.raises(engine.GuardFailed):
        engine.fire(d, "assign", world.m1, mediator_id=world.gw.id)  # not a mediator
    engine.fire(d, "assign", world.m1, mediator_id=world.m1.id)
    assert db.session.get(Dispute, d.id).assignee_id == world.m1.id


def test_stale_version_is_a_conflict_naming_who_changed_it(world):
    d = f.dispute(world.m1, world.grids[0])
    engine.fire(d, "accept", world.m1, expected_version=1)
    with pytest.raises(engine.Conflict) as conflict:
        engine.fire(d, "withdraw", world.m1, "撤回", expected_version=1)
    assert conflict.value.changed_by == world.m1.display_name
    assert conflict.value.status == 409
    assert db.session.get(Dispute, d.id).state == "accepted"
    assert len(events(db.session.get(Dispute, d.id))) == 2


def test_a_failure_after_the_state_change_rolls_everything_back(world):
    d = f.dispute(world.m1, world.grids[0])

    def explode(dispute, actor, data, now):
        raise RuntimeError("disk full")

    EFFECTS[("dispute", "accept")].append(explode)
    try:
        with pytest.raises(RuntimeError):
            engine.fire(d, "accept", world.m1)
    finally:
        EFFECTS[("dispute", "accept")].remove(explode)
    d = db.session.get(Dispute, d.id)
    assert d.state == "submitted" and d.version == 1 and d.file_no is None
    assert len(events(d)) == 1
    assert db.session.execute(select(func.count()).select_from(AuditEvent)).scalar() == 1


def test_available_depends_on_role_state_and_guards(world):
    d = f.dispute(world.m1, world.grids[0])
    assert {t.trigger for t in engine.available(d, world.m1)} == {"accept", "reject", "resolve_on_spot", "withdraw"}
    assert {t.trigger for t in engine.available(d, world.gw)} == {"resolve_on_spot"}
    assert engine.available(d, world.m2) == []  # out of scope
    assert engine.available(d, world.sup) == []
    bare = f.dispute(world.m1, world.grids[0], parties=0)
    assert "accept" not in {t.trigger for t in engine.available(bare, world.m1)}


def test_deadlines_keep_the_mediation_clock_and_extend_with_consent(world):
    t0 = datetime(2026, 3, 1, 8, 0)
    d = f.dispute(world.m1, world.grids[0], now=t0)
    f.walk(d, world.m1, "accept", now=t0 + timedelta(hours=2))
    due = t0 + timedelta(hours=2, days=30)
    assert d.due_at == due
    f.walk(d, world.m1, "assign", "start_mediation", now=t0 + timedelta(days=3))
    assert d.due_at == due  # 30 days from acceptance, not from assignment
    everyone = [p.id for p in d.parties]
    engine.fire(d, "extend", world.m1, "双方同意", days=15, consenting_parties=everyone, consent_how="signed",
                now=t0 + timedelta(days=20))
    assert d.due_at == due + timedelta(days=15)
    with pytest.raises(engine.GuardFailed):
        engine.fire(d, "extend", world.m1, "再延", days=400, consenting_parties=everyone, consent_how="signed")
    f.walk(d, world.m1, "agree", now=t0 + timedelta(days=25))
    # The judicial-confirmation window: agreed 26 March (16:00 in Shanghai), it runs 30 whole days from the
    # next day; its 30th day, 25 April, is a Saturday, so it ends at the end of the next working day (Civil
    # Code art. 203), Monday 27 April: midnight in Shanghai, 16:00 UTC on 27 April.
    assert d.due_at == datetime(2026, 4, 27, 16, 0)
    f.walk(d, world.m1, "start_performance")
    assert d.due_at is None


def test_the_whole_happy_path_and_the_file_numbers_have_no_gaps(world):
    first = f.walk(f.dispute(world.m1, world.grids[0]), world.m1, "accept")
    second = f.dispute(world.m1, world.grids[0])
    f.walk(second, world.m1, "accept", "assign", "start_mediation", "agree", "start_performance",
           "fulfil", "close")
    fs.signed_off(second)  # archiving waits for the supervisor's sign-off
    f.walk(second, world.m1, "archive")
    assert second.state == "archived"
    assert (first.file_seq, second.file_seq) == (1, 2)
    assert [e.trigger for e in events(second)] == [
        "create", "accept", "assign", "start_mediation", "agree", "start_performance", "fulfil", "close", "archive"]


def loaded_then_changed_elsewhere(world):
    """A case held at version 1 while another writer commits version 2."""
    from sqlalchemy import text

    case_id = f.dispute(world.m1, world.grids[0]).id
    db.session().expire_on_commit = False
    d = db.session.get(Dispute, case_id)
    db.session.commit()  # d stays loaded at version 1 and the write lock is free
    with db.engine.begin() as conn:  # another writer gets in first
        conn.execute(text("UPDATE disputes SET version = version + 1 WHERE id = :id"), {"id": d.id})
    return d


def test_a_concurrent_write_during_an_edit_is_a_conflict(world):
    from app.engine.edits import edit

    d = loaded_then_changed_elsewhere(world)
    with pytest.raises(engine.Conflict):
        edit(d, world.m1, {"facts": "迟到的修改"})
    db.session.expire_all()
    d = db.session.get(Dispute, d.id)
    assert d.facts != "迟到的修改" and len(events(d)) == 1


def test_an_agreement_needs_both_sides_named(world):
    from app.disputes.models import ANONYMOUS_REPORTER, Party

    d = f.walk(f.dispute(world.m1, world.grids[0], parties=1), world.m1, "accept", "assign", "start_mediation")
    with pytest.raises(engine.GuardFailed, match="当事人"):
        engine.fire(d, "agree", world.m1, form="oral", terms="口头约定")
    d.parties.append(Party(role="respondent", name="王五"))
    d.parties[0].name = ANONYMOUS_REPORTER
    db.session.commit()
    with pytest.raises(engine.GuardFailed):
        engine.fire(d, "agree", world.m1, form="oral", terms="口头约定")
    d.parties[0].name = "李四"
    db.session.commit()
    engine.fire(d, "agree", world.m1, form="oral", terms="口头约定")
    assert db.session.get(Dispute, d.id).state == "agreed"


def test_a_concurrent_step_behind_the_version_check_is_a_conflict(world):
    """The version_id_col path: the row changed after it was loaded and checked."""
    d = loaded_then_changed_elsewhere(world)
    case_id = d.id
    with pytest.raises(engine.Conflict):
        engine.fire(d, "accept", world.m1)  # no expected_version: only the UPDATE ... WHERE version can tell
    db.session.expire_all()
    d = db.session.get(Dispute, case_id)
    assert d.state == "submitted" and d.file_no is None and len(events(d)) == 1


def test_the_list_scope_and_the_row_scope_agree(world):
    from app.disputes.scope import can_see, scope_clause

    cases = [f.dispute(world.m1, g) for g in world.grids]
    admin = f.user("admin")
    elder = f.user("elder", community=world.c1)
    for user in (world.m1, world.m2, world.gw, world.sup, admin, elder):
        listed = set(db.session.execute(select(Dispute.id).where(scope_clause(user))).scalars())
        assert listed == {d.id for d in cases if can_see(user, d)}, user.role
    assert len(set(db.session.execute(select(Dispute.id).where(scope_clause(world.m1))).scalars())) == 2
    assert not any(can_see(elder, d) for d in cases)


def test_a_held_case_is_read_again_after_a_commit_with_the_orm_s_values_and_types(world):
    """fire() re-reads an expired case by a statement sent to the driver
    (driver.row_values), which the engine's listeners see: it sees what
    another writer committed meanwhile, with the values and Python types an
    ORM load gives (dates, times, Decimals), reads the row in one statement
    and leaves its relationships to load when asked for."""
    from decimal import Decimal

    from sqlalchemy import event, inspect, text

    d = f.walk(f.dispute(world.m1, world.grids[0]), world.m1, "accept", "assign", "start_mediation", "agree")
    # Behind the ORM's back (raw SQL, then COMMIT expires the held case): a
    # claimed amount, a day, and the version, as another writer would.
    db.session.execute(text("UPDATE disputes SET amount = 1234.5, arose_on = '2026-11-02', version = version + 1 "
                            "WHERE id = :id"), {"id": d.id})
    db.session.commit()
    assert inspect(d).expired
    sent = []
    listener = lambda *args: sent.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        engine.fire(d, "start_performance", world.m1, commit=False)  # d as the step saw and flushed it
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    reads = [s for s in sent if s.lstrip().upper().startswith("SELECT DISPUTES.")]
    assert len(reads) == 1  # the case's row, once
    assert "AS DISPUTES_ID" not in reads[0].upper()  # not the ORM's own load, which labels its columns
    assert d.state == "performing" and d.amount == Decimal("1234.50") and str(d.arose_on) == "2026-11-02"
    held = {attr.key: d.__dict__[attr.key] for attr in inspect(Dispute).column_attrs}
    case_id = d.id
    db.session.commit()
    db.session.expunge(d)
    fresh = db.session.get(Dispute, case_id)
    loaded = {attr.key: getattr(fresh, attr.key) for attr in inspect(Dispute).column_attrs}
    assert held == loaded and {k: type(v) for k, v in held.items()} == {k: type(v) for k, v in loaded.items()}
    assert [p.name for p in fresh.parties] == ["当事人1", "当事人2"]


def test_a_held_case_changed_behind_the_engine_after_its_reload_is_still_a_conflict(world):
    """The re-read sets the loaded version, so the version-checked UPDATE
    still catches a writer that got in between the read and the flush."""
    from sqlalchemy import text

    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer: nobody can write while the step holds the lock")
    d = f.walk(f.dispute(world.m1, world.grids[0]), world.m1, "accept")

    def elsewhere(dispute, actor, data, now):  # after the re-read and the checks, before the flush
        with db.engine.begin() as conn:
            conn.execute(text("UPDATE disputes SET version = version + 1 WHERE id = :id"), {"id": dispute.id})

    EFFECTS.setdefault(("dispute", "assign"), []).insert(0, elsewhere)
    try:
        with pytest.raises(engine.Conflict):
            f.walk(d, world.m1, "assign")
    finally:
        EFFECTS[("dispute", "assign")].remove(elsewhere)
