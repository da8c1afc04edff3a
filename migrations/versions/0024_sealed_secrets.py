"""sealed secrets: the TOTP secrets and webhook signing secrets stored sealed

Both were stored as they are; whoever read the table could make an account's
second-factor codes or sign webhook messages as the centre. They are now
AES-GCM sealed under a key derived from AUDIT_DATA_KEY or AUDIT_KEY
(app/sealed.py): the columns widen to hold a sealed value and the values
there are sealed here, with the app's key (`flask db upgrade` runs in the
app). A downgrade opens them again.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-06 04:00:00
"""
from alembic import op
import sqlalchemy as sa

from app.sealed import PREFIX, seal, sealed_length, unseal


# revision identifiers, used by Alembic.
revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None

# (table, key column, secret column, plain length: the column's length before)
SECRETS = (('two_factors', 'user_id', 'secret', 64, False),
           ('api_clients', 'id', 'webhook_secret', 80, True))


def _rewrite(table, key, column, change):
    connection = op.get_bind()
    rows = connection.execute(sa.text(f'SELECT {key}, {column} FROM {table} WHERE {column} IS NOT NULL')).all()
    for row_key, value in rows:
        connection.execute(sa.text(f'UPDATE {table} SET {column} = :value WHERE {key} = :key'),
                           {'value': change(value), 'key': row_key})


def upgrade():
    for table, key, column, plain, nullable in SECRETS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column(column, existing_type=sa.String(length=plain), existing_nullable=nullable,
                                  type_=sa.String(length=sealed_length(plain)))
        name = f'{table}.{column}'
        # A value already sealed (a second run after a failure part-way) is left as it is.
        _rewrite(table, key, column, lambda value, name=name: value if value.startswith(PREFIX) else seal(value, name))


def downgrade():
    for table, key, column, plain, nullable in reversed(SECRETS):
        name = f'{table}.{column}'
        _rewrite(table, key, column, lambda value, name=name: unseal(value, name) if value.startswith(PREFIX) else value)
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column(column, existing_type=sa.String(length=sealed_length(plain)),
                                  existing_nullable=nullable, type_=sa.String(length=plain))
