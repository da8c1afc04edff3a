"""Usernames ignore capitals: a unique index on lower(username)

A unique index on lower(username): "MED_WANG" can no longer be made beside
"med_wang", and the login finds an account whatever the capitals typed. The
login throttle now counts failures under the lowercased name: the recent
login_attempts are lowercased to match, so none escape their count.

If existing accounts already differ only in capitals, the upgrade stops with
their ids and names, and changes nothing: which of them to rename (its user
must be told the new name) is the centre's decision, not a migration's.

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-07 11:00:00
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0029'
down_revision = '0028'
branch_labels = None
depends_on = None


def upgrade():
    connection = op.get_bind()
    clashes = connection.execute(sa.text(
        "SELECT u.id, u.username FROM users u JOIN (SELECT lower(username) AS name FROM users"
        " GROUP BY lower(username) HAVING COUNT(*) > 1) c ON lower(u.username) = c.name"
        " ORDER BY lower(u.username), u.id")).all()
    if clashes:
        listed = ", ".join(f"{user_id} {username!r}" for user_id, username in clashes)
        raise RuntimeError(
            "Usernames must now differ in more than capitals, and these accounts do not: " + listed + ". "
            "Rename all but one of each group (UPDATE users SET username = '...' WHERE id = ...; tell its user), "
            "then run the upgrade again. Nothing was changed.")
    # SQLite cannot reflect an expression index: a later migration whose batch
    # rebuilds the users table drops it there, and must make it again.
    op.create_index('uq_users_username_lower', 'users', [sa.text('lower(username)')], unique=True)
    connection.execute(sa.text("UPDATE login_attempts SET username = lower(username) WHERE username <> lower(username)"))


def downgrade():
    op.drop_index('uq_users_username_lower', table_name='users')
