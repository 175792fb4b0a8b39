"""security round two: insert guards on the append-only tables, session versions

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 10:00:00

- BEFORE INSERT triggers on ``audit_log`` and ``responses`` (both engines): SQLite's
  ``INSERT OR REPLACE`` can no longer replace a row without firing the DELETE guard, and an
  audit entry must extend the chain (seq = last + 1, prev_hash = last hash);
- ``users.session_version``: bumped when an account is disabled, its role or team changes
  or its password is reset, which ends every session logged in with the old version.
"""

import sqlalchemy as sa
from alembic import op

from alliance_kit.store import guards

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("session_version", sa.Integer(), nullable=False,
                                      server_default="0"))
    for statement in guards.insert_statements(op.get_bind().dialect.name):
        op.execute(statement)


def downgrade() -> None:
    for statement in guards.INSERT_DROP[op.get_bind().dialect.name]:
        op.execute(statement)
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("session_version")
