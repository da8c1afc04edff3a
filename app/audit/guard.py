"""Database triggers that make audit_events append-only.

Used by the Alembic migration and by the test suite's schema setup, so both
carry the same guard.
"""

SQLITE = [
    """CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
       BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END""",
    """CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
       BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END""",
]

POSTGRESQL = [
    """CREATE OR REPLACE FUNCTION audit_events_refuse() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'audit_events is append-only'; END; $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events
       FOR EACH ROW EXECUTE FUNCTION audit_events_refuse()""",
    """CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
       FOR EACH STATEMENT EXECUTE FUNCTION audit_events_refuse()""",
]

DROP_SQLITE = [
    "DROP TRIGGER IF EXISTS audit_events_no_update",
    "DROP TRIGGER IF EXISTS audit_events_no_delete",
]
DROP_POSTGRESQL = [
    "DROP TRIGGER IF EXISTS audit_events_no_change ON audit_events",
    "DROP TRIGGER IF EXISTS audit_events_no_truncate ON audit_events",
    "DROP FUNCTION IF EXISTS audit_events_refuse()",
]


def create_statements(dialect_name: str) -> list[str]:
    return POSTGRESQL if dialect_name == "postgresql" else SQLITE


def drop_statements(dialect_name: str) -> list[str]:
    return DROP_POSTGRESQL if dialect_name == "postgresql" else DROP_SQLITE


def install(connection) -> None:
    for statement in create_statements(connection.dialect.name):
        connection.exec_driver_sql(statement)


def remove(connection) -> None:
    for statement in drop_statements(connection.dialect.name):
        connection.exec_driver_sql(statement)
