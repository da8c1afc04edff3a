"""The migrated schema is the models' schema, guard triggers included."""
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text
from sqlalchemy.exc import DatabaseError

from app import create_app
from app.extensions import db


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
