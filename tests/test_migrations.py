"""The migrated schema is the models' schema, guard triggers included."""
from datetime import datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import DateTime, bindparam, inspect, select, text
from sqlalchemy.exc import DatabaseError

from app import create_app
from app.auth.models import User
from app.extensions import db

# The newest migration's revision (each file is named after its revision, 0001_...).
LATEST = max(p.name[:4] for p in (Path(__file__).resolve().parent.parent / "migrations" / "versions").glob("0*.py"))


@pytest.fixture
def migrated_app(empty_db):
    app = create_app("testing", **empty_db)
    with app.app_context():
        upgrade()
        yield app
        db.session.remove()
        db.engine.dispose()


def test_migrated_schema_equals_the_models(migrated_app):
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, db.metadata)
    assert diff == []


def test_migration_installs_the_audit_guard(migrated_app):
    with db.engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO audit_events (entity_type, trigger, actor_role, at, data, prev_hash, hash)"
            " VALUES ('t', 't', 'admin', CURRENT_TIMESTAMP, '{}', 'p', 'h')"))
    for statement in ("UPDATE audit_events SET reason = 'x'", "DELETE FROM audit_events"):
        with pytest.raises(DatabaseError, match="append-only"):
            with db.engine.begin() as conn:
                conn.execute(text(statement))


def test_downgrade_then_upgrade_again(migrated_app):
    downgrade(revision="base")
    assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
    upgrade()
    assert "audit_events" in inspect(db.engine).get_table_names()


def test_migration_0023_sums_the_community_counters_per_street(empty_db):
    app = create_app("testing", **empty_db)
    with app.app_context():
        upgrade(revision="0022")
        columns = ("dim, month, community_id, key, street_id, registered, accepted, agreements, on_spot, closed,"
                   " days_sum, amount_sum, amount_n, from_sweeps, agreed_sum, agreed_n, refused")
        rows = [("total", "2026-03", 1, "", 1, 2, 1, 1, 0, 1, 1.5, "10.50", 1, 0, "8.00", 1, 0),
                ("total", "2026-03", 2, "", 1, 3, 2, 0, 1, 2, 2.25, "0", 0, 1, "0", 0, 1),
                ("total", "2026-03", 3, "", 2, 1, 0, 0, 1, 0, 0.0, "0", 0, 0, "0", 0, 0),
                ("type", "2026-04", 1, "neighbour", 1, 4, 1, 0, 0, 0, 0.0, "0", 0, 0, "0", 0, 0),
                ("type", "2026-04", 2, "neighbour", 1, 1, 0, 0, 0, 0, 0.0, "0", 0, 0, "0", 0, 0)]
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO streets (id, name) VALUES (1, 's1'), (2, 's2')"))
            conn.execute(text("INSERT INTO communities (id, street_id, name) VALUES (1, 1, 'c1'), (2, 1, 'c2'),"
                              " (3, 2, 'c3')"))
            for row in rows:
                names = ", ".join(f":v{i}" for i in range(len(row)))
                conn.execute(text(f"INSERT INTO stat_counts ({columns}) VALUES ({names})"),
                             {f"v{i}": v for i, v in enumerate(row)})
        # Only to 0023: 0032 recomputes the counters from the cases (there are none here).
        upgrade(revision="0023")
        with db.engine.connect() as conn:
            got = conn.execute(text(
                "SELECT dim, month, street_id, key, registered, accepted, agreements, on_spot, closed, days_sum,"
                " amount_sum, amount_n, from_sweeps, agreed_sum, agreed_n, refused FROM stat_counts_street"
                " ORDER BY dim, month, street_id, key")).all()
        assert [tuple(r) for r in got] == [
            ("total", "2026-03", 1, "", 5, 3, 1, 1, 3, 3.75, 10.5, 1, 1, 8, 1, 1),
            ("total", "2026-03", 2, "", 1, 0, 0, 1, 0, 0.0, 0, 0, 0, 0, 0, 0),
            ("type", "2026-04", 1, "neighbour", 5, 1, 0, 0, 0, 0.0, 0, 0, 0, 0, 0, 0)]
        db.session.remove()
        db.engine.dispose()


def test_migration_0032_counts_the_accepted_cases_still_in_mediation(empty_db):
    """The cases there before 0032: of the accepted, those without an
    agreement in a mediating state are counted, by month, type and channel,
    in both counter tables; the other figures are kept."""
    app = create_app("testing", **empty_db)
    with app.app_context():
        upgrade(revision="0031")
        # (state, file number, agreed): accepted and being mediated, agreed while mediating (a
        # signature pending: not counted), never accepted, accepted and closed.
        cases = [("mediating", 1, None), ("extended", 2, None), ("assigned", 3, None),
                 ("mediating", 4, datetime(2026, 3, 9)), ("accepted", None, None), ("closed", 5, None)]
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO streets (id, name) VALUES (1, 's1')"))
            conn.execute(text("INSERT INTO communities (id, street_id, name) VALUES (1, 1, 'c1'), (2, 1, 'c2')"))
            for i, (state, seq, agreed) in enumerate(cases, 1):
                conn.execute(text(
                    "INSERT INTO disputes (id, tracking_code, channel, dispute_type, street_id, community_id, place,"
                    " facts, risk, created_at, state, version, state_entered_at, changed_at, extension_count,"
                    " extension_days, file_seq, file_year, agreed_at) VALUES (:id, :code, 'walk_in', 'neighbour', 1,"
                    " :community, '', 'x', 'low', :at, :state, 1, :at, :at, 0, 0, :seq, :year, :agreed)"),
                    {"id": i, "code": f"C{i}", "community": 1 + i % 2, "at": datetime(2026, 3, 2, 2, 0),
                     "state": state, "seq": seq, "year": 2026 if seq else None, "agreed": agreed})
        upgrade()
        with db.engine.connect() as conn:
            community = conn.execute(text(
                "SELECT dim, community_id, key, registered, accepted, agreements, in_mediation FROM stat_counts"
                " WHERE month = '2026-03' ORDER BY dim, community_id, key")).all()
            street = conn.execute(text(
                "SELECT dim, key, registered, accepted, in_mediation FROM stat_counts_street"
                " WHERE month = '2026-03' AND street_id = 1 ORDER BY dim, key")).all()
        # Cases 1, 3, 5 are community 2's; 2, 4, 6 community 1's.
        assert [tuple(r) for r in community] == [
            ("channel", 1, "walk_in", 3, 3, 1, 1), ("channel", 2, "walk_in", 3, 2, 0, 2),
            ("total", 1, "", 3, 3, 1, 1), ("total", 2, "", 3, 2, 0, 2),
            ("type", 1, "neighbour", 3, 3, 1, 1), ("type", 2, "neighbour", 3, 2, 0, 2)]
        assert [tuple(r) for r in street] == [("channel", "walk_in", 6, 5, 3), ("total", "", 6, 5, 3),
                                             ("type", "neighbour", 6, 5, 3)]
        db.session.remove()
        db.engine.dispose()


def test_migration_0036_counts_the_registered_cases_not_concluded_yet(empty_db):
    """The cases there before 0036: those without an agreement awaiting
    acceptance or being mediated are counted as not concluded, in both
    counter tables; an agreement, an on-the-spot case, a rejected and a
    failed one are concluded."""
    app = create_app("testing", **empty_db)
    with app.app_context():
        upgrade(revision="0035")
        # (state, file number, agreed)
        cases = [("submitted", None, None), ("submitted", None, None), ("mediating", 1, None),
                 ("mediating", 2, datetime(2026, 3, 9)), ("resolved_on_spot", None, None), ("rejected", None, None),
                 ("failed", 3, None)]
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO streets (id, name) VALUES (1, 's1')"))
            conn.execute(text("INSERT INTO communities (id, street_id, name) VALUES (1, 1, 'c1'), (2, 1, 'c2')"))
            for i, (state, seq, agreed) in enumerate(cases, 1):
                conn.execute(text(
                    "INSERT INTO disputes (id, tracking_code, channel, dispute_type, street_id, community_id, place,"
                    " facts, risk, created_at, state, version, state_entered_at, changed_at, extension_count,"
                    " extension_days, file_seq, file_year, agreed_at) VALUES (:id, :code, 'walk_in', 'neighbour', 1,"
                    " :community, '', 'x', 'low', :at, :state, 1, :at, :at, 0, 0, :seq, :year, :agreed)"),
                    {"id": i, "code": f"C{i}", "community": 1 + i % 2, "at": datetime(2026, 3, 2, 2, 0),
                     "state": state, "seq": seq, "year": 2026 if seq else None, "agreed": agreed})
        upgrade()
        with db.engine.connect() as conn:
            community = conn.execute(text(
                "SELECT community_id, registered, in_mediation, unconcluded FROM stat_counts"
                " WHERE month = '2026-03' AND dim = 'total' ORDER BY community_id")).all()
            street = conn.execute(text(
                "SELECT dim, registered, on_spot, in_mediation, unconcluded FROM stat_counts_street"
                " WHERE month = '2026-03' AND street_id = 1 ORDER BY dim")).all()
        # Cases 1, 3, 5, 7 are community 2's; 2, 4, 6 community 1's.
        assert [tuple(r) for r in community] == [(1, 3, 0, 1), (2, 4, 1, 2)]
        assert [tuple(r) for r in street] == [("channel", 7, 1, 1, 3), ("total", 7, 1, 1, 3), ("type", 7, 1, 1, 3)]
        db.session.remove()
        db.engine.dispose()


def test_the_grid_map_reads_its_figures_from_the_grids_index_on_postgresql(migrated_app):
    """Migration 0025 (and the models) carry the grid map's columns in ix_disputes_grid_created on
    PostgreSQL, which compare_metadata does not compare; SQLite's index keeps its three columns."""
    carried = ["state", "due_at", "file_seq", "agreed_at"]
    index = next(i for i in inspect(db.engine).get_indexes("disputes") if i["name"] == "ix_disputes_grid_created")
    assert index["column_names"][:3] == ["grid_id", "created_at", "id"]
    if db.engine.dialect.name == "postgresql":
        assert index["include_columns"] == carried
        downgrade(revision="0024")
        index = next(i for i in inspect(db.engine).get_indexes("disputes") if i["name"] == "ix_disputes_grid_created")
        assert index["include_columns"] == []
        # A build that failed part-way (CONCURRENTLY, outside a transaction) left its index behind: run again,
        # the migration builds it anew and swaps it in.
        with db.engine.begin() as conn:
            conn.execute(text("CREATE INDEX ix_disputes_grid_created_built ON disputes (grid_id)"))
        upgrade()
        indexes = {i["name"]: i for i in inspect(db.engine).get_indexes("disputes")}
        assert indexes["ix_disputes_grid_created"]["include_columns"] == carried
        assert "ix_disputes_grid_created_built" not in indexes
    else:
        assert index["column_names"] == ["grid_id", "created_at", "id"]


def current_revision() -> str | None:
    with db.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def test_a_failing_migration_leaves_the_ones_before_it_applied(empty_db):
    """Each migration runs in a transaction of its own (migrations/env.py): one that fails is rolled back
    alone, and the database stays at the one before it, on PostgreSQL too (not back to empty)."""
    app = create_app("testing", **empty_db)
    with app.app_context():
        with db.engine.begin() as conn:
            conn.execute(text("CREATE TABLE sweeps (id INTEGER PRIMARY KEY)"))  # 0006 creates it: it fails
        with pytest.raises(DatabaseError, match="sweeps"):
            upgrade()
        tables = set(inspect(db.engine).get_table_names())
        assert current_revision() == "0005"
        assert {"disputes", "rota_duties"} <= tables and "followups" not in tables  # 0001-0005 kept, 0006 not
        with db.engine.begin() as conn:
            conn.execute(text("DROP TABLE sweeps"))
        upgrade()
        assert current_revision() == LATEST and "followups" in inspect(db.engine).get_table_names()
        db.session.remove()
        db.engine.dispose()


@pytest.mark.parametrize("backend", ["sqlite"])  # PostgreSQL's foreign keys are never off
def test_on_sqlite_a_migration_leaving_broken_foreign_keys_is_rolled_back(empty_db):
    """Foreign keys are off while SQLite migrates (batch copies of tables): each migration's rows are
    checked before its COMMIT, and a migration after which a row points nowhere is not kept."""
    app = create_app("testing", **empty_db)
    with app.app_context():
        upgrade(revision="0005")
        with db.engine.connect() as conn:
            conn.connection.dbapi_connection.execute("PRAGMA foreign_keys=OFF")
            conn.execute(text("INSERT INTO communities (id, street_id, name) VALUES (1, 999, 'nowhere')"))
            conn.commit()
        with pytest.raises(SystemExit):  # flask_migrate reports the RuntimeError and exits
            upgrade()
        assert current_revision() == "0005" and "followups" not in inspect(db.engine).get_table_names()
        db.session.remove()
        db.engine.dispose()


def test_migration_0026_keeps_each_accounts_last_login_from_the_audit_log(empty_db):
    """users.last_login_at is filled from the audit log's `login` events (kept for good), not from
    login_attempts (pruned, and counting a password whose second factor never came as a success)."""
    app = create_app("testing", **empty_db)
    with app.app_context():
        upgrade(revision="0025")
        with db.engine.begin() as conn:
            for uid, name in ((1, "wang"), (2, "zhao"), (3, "zhou")):
                conn.execute(text("INSERT INTO users (id, username, display_name, password_hash, role, active,"
                                  " session_token) VALUES (:id, :name, :name, 'x', 'mediator', :yes, 't')"),
                             {"id": uid, "name": name, "yes": True})
            events = [("user", 1, "login", "2026-11-02 01:00:00"), ("user", 1, "login", "2026-12-01 02:30:00"),
                      ("user", 1, "logout", "2026-12-05 03:00:00"), ("user", 2, "login_failed", "2026-12-04 04:00:00"),
                      ("login", None, "login_throttled", "2026-12-04 05:00:00")]
            for n, (entity_type, entity_id, trigger, at) in enumerate(events):
                conn.execute(text(
                    "INSERT INTO audit_events (entity_type, entity_id, trigger, actor_role, at, data, prev_hash, hash)"
                    " VALUES (:type, :id, :trigger, 'mediator', :at, '{}', 'p', :hash)").bindparams(
                    bindparam("at", type_=DateTime)),  # stored as the app stores it
                    {"type": entity_type, "id": entity_id, "trigger": trigger, "at": datetime.fromisoformat(at),
                     "hash": f"h{n}"})
            # zhao's password passed, the code never came: no login.
            conn.execute(text("INSERT INTO login_attempts (username, address, at, success) VALUES"
                              " ('zhao', '127.0.0.1', :at, :yes)").bindparams(bindparam("at", type_=DateTime)), {"at": datetime(2026, 12, 6, 1, 0), "yes": True})
        upgrade()
        got = dict(db.session.execute(select(User.username, User.last_login_at)).all())
        db.session.rollback()
        assert got == {"wang": datetime(2026, 12, 1, 2, 30), "zhao": None, "zhou": None}
        downgrade(revision="0025")
        assert "last_login_at" not in {c["name"] for c in inspect(db.engine).get_columns("users")}
        db.session.remove()
        db.engine.dispose()


def test_migration_0029_stops_on_accounts_that_differ_only_in_capitals(empty_db, capfd):
    """The unique index on lower(username) cannot be made over two such
    accounts: the upgrade names them and changes nothing; once one is renamed
    it goes through, and the throttle's counts are kept under the lowercased
    names it now counts by."""
    app = create_app("testing", **empty_db)
    with app.app_context():
        upgrade(revision="0028")
        with db.engine.begin() as conn:
            for uid, name in ((1, "med_wang"), (2, "zhao"), (3, "MED_WANG")):
                conn.execute(text("INSERT INTO users (id, username, display_name, password_hash, role, active,"
                                  " session_token) VALUES (:id, :name, :name, 'x', 'mediator', :yes, 't')"),
                             {"id": uid, "name": name, "yes": True})
            conn.execute(text("INSERT INTO login_attempts (username, address, at, success) VALUES"
                              " ('Zhao', '127.0.0.1', :at, :no)").bindparams(bindparam("at", type_=DateTime)),
                         {"at": datetime(2026, 12, 6, 1, 0), "no": False})
        with pytest.raises(SystemExit):  # Flask-Migrate logs the migration's error and exits
            upgrade()
        assert "these accounts do not: 1 'med_wang', 3 'MED_WANG'. Rename all but one" in capfd.readouterr().err
        db.session.rollback()
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0028"
            assert conn.execute(text("SELECT username FROM login_attempts")).scalar() == "Zhao"
        with db.engine.begin() as conn:
            conn.execute(text("UPDATE users SET username = 'med_wang2' WHERE id = 3"))
        upgrade()
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT username FROM login_attempts")).scalar() == "zhao"
        with pytest.raises(DatabaseError):
            with db.engine.begin() as conn:
                conn.execute(text("INSERT INTO users (username, display_name, password_hash, role, active,"
                                  " session_token) VALUES ('ZHAO', 'z', 'x', 'mediator', :yes, 't')"), {"yes": True})
        db.session.remove()
        db.engine.dispose()


def test_migration_0033_fills_urged_at_from_the_urgings_the_log_says_still_stand(migrated_app):
    """Downgraded to 0032 and upgraded again, each referral's and follow-up's
    urged_at is what the engine had kept: the newest urging after the row's
    last other step, none where a step followed."""
    from datetime import timedelta

    from app import engine
    from app.engine.timers import tick
    from app.followups.models import FollowUp
    from app.referrals.models import Referral
    from tests import factories as f
    from tests import factories_followups as ff
    from tests import factories_referrals as fr

    sent = datetime(2026, 3, 2, 2, 0)
    late = sent + timedelta(hours=25)
    street, (c1, _c2), grids = f.org()
    mediator = f.user("mediator", community=c1)
    supervisor = f.user("supervisor", street=street)
    env = fr.department("环保", ack_hours=24, answer_days=10)
    liaison = fr.liaison(env)
    case = f.dispute(mediator, grids[0], now=sent)
    a, b, c = (fr.referral(case, env, mediator, now=sent) for _ in range(3))
    agreed = ff.agreed_case(mediator, grids[0], sent)
    tick(now=datetime(2026, 3, 15, 2, 0))
    followup = next(x for x in ff.followups_of(agreed.id) if x.state == "escalated")
    engine.fire(a, "urge", supervisor, now=late, urging="请签收。")
    engine.fire(a, "urge", supervisor, now=late + timedelta(hours=1), urging="再次督办。")
    engine.fire(b, "urge", supervisor, now=late, urging="请签收。")
    engine.fire(b, "acknowledge", liaison, now=late + timedelta(hours=2))
    engine.fire(followup, "urge", supervisor, now=late, urging="请回访。")
    kept = {(model.__name__, row.id): row.urged_at for model in (Referral, FollowUp)
            for row in db.session.execute(select(model)).scalars()}
    assert {k for k, v in kept.items() if v} == {("Referral", a.id), ("FollowUp", followup.id)}
    assert kept[("Referral", c.id)] is None
    db.session.remove()
    downgrade(revision="0032")
    assert "urged_at" not in {col["name"] for col in inspect(db.engine).get_columns("referrals")}
    upgrade()
    filled = {(model.__name__, row.id): row.urged_at for model in (Referral, FollowUp)
              for row in db.session.execute(select(model)).scalars()}
    assert filled == kept
    assert filled[("Referral", a.id)] == late + timedelta(hours=1)
