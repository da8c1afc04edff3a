"""law: extension limits, recusals, a party's refusal (issue 12, items 3-5)

- `disputes.extension_count`, `disputes.extension_days`: extensions of the
  mediation period agreed so far and their days in all (capped by settings).
  Filled here from the log's `extend` steps of each case.
- `disputes.refused_at`: when a party's clear refusal ended the mediation.
- `dispute_recusals`: one row per mediator who stepped aside from a case
  (回避), and the party who asked, if one did. Recusals before this revision
  did not say who stepped aside, so they have no row.
- `stat_counts.refused`: the statistics' count of refusals (0 before: no case
  could be refused before this revision).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 16:45:00
"""
import json

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('dispute_recusals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dispute_id', sa.Integer(), nullable=False),
    sa.Column('mediator_id', sa.Integer(), nullable=False),
    sa.Column('party_id', sa.Integer(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recused_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['dispute_id'], ['disputes.id'], name=op.f('fk_dispute_recusals_dispute_id_disputes')),
    sa.ForeignKeyConstraint(['mediator_id'], ['users.id'], name=op.f('fk_dispute_recusals_mediator_id_users')),
    sa.ForeignKeyConstraint(['party_id'], ['parties.id'], name=op.f('fk_dispute_recusals_party_id_parties')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_dispute_recusals_recorded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dispute_recusals')),
    sa.UniqueConstraint('dispute_id', 'mediator_id', name='uq_dispute_recusals_dispute_mediator')
    )
    with op.batch_alter_table('disputes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('extension_count', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('extension_days', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('refused_at', sa.DateTime(), nullable=True))

    with op.batch_alter_table('stat_counts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('refused', sa.Integer(), server_default='0', nullable=False))

    _count_past_extensions(op.get_bind())


def _count_past_extensions(connection):
    events = sa.table("audit_events", sa.column("entity_type"), sa.column("entity_id"), sa.column("trigger"),
                      sa.column("data"))
    disputes = sa.table("disputes", sa.column("id"), sa.column("extension_count"), sa.column("extension_days"))
    totals = {}
    rows = connection.execute(sa.select(events.c.entity_id, events.c.data).where(
        events.c.entity_type == "dispute", events.c.trigger == "extend"))
    for case_id, data in rows:
        try:
            days = int(json.loads(data).get("days") or 0)
        except (TypeError, ValueError, AttributeError):
            days = 0
        count, total = totals.get(case_id, (0, 0))
        totals[case_id] = (count + 1, total + days)
    for case_id, (count, total) in totals.items():
        connection.execute(disputes.update().where(disputes.c.id == case_id)
                           .values(extension_count=count, extension_days=total))


def downgrade():
    with op.batch_alter_table('stat_counts', schema=None) as batch_op:
        batch_op.drop_column('refused')

    with op.batch_alter_table('disputes', schema=None) as batch_op:
        batch_op.drop_column('refused_at')
        batch_op.drop_column('extension_days')
        batch_op.drop_column('extension_count')

    op.drop_table('dispute_recusals')
