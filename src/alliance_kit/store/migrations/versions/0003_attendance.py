"""attendance: session status, reason and time; episode end reason; client alerts

Sessions get a status (attended by default, so every existing session stays attended), an
optional reason and time of day; their number becomes optional (only attended sessions are
numbered). Episodes get an end reason. Alerts may belong to a client rather than a response
(attendance rules): ``response_id`` becomes optional, ``session_id`` and ``trigger_key``
are added, and the severity ``urgent`` is allowed.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

STATUSES = "('attended', 'no-show', 'cancelled-by-client', 'cancelled-by-clinic', 'scheduled')"
END_REASONS = "('completed', 'referred', 'dropped-out', 'other')"
OLD_SEVERITIES = "('safety', 'warning', 'info')"
SEVERITIES = "('safety', 'urgent', 'warning', 'info')"


def upgrade() -> None:
    with op.batch_alter_table("episodes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("end_reason", sa.String(length=16), nullable=True))
        batch_op.create_check_constraint("ck_episodes_end", f"end_reason IN {END_REASONS}")

    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("time", sa.Time(), nullable=True))
        batch_op.add_column(sa.Column("status", sa.String(length=24), nullable=False,
                                      server_default="attended"))
        batch_op.add_column(sa.Column("status_reason", sa.Text(), nullable=True))
        batch_op.alter_column("number", existing_type=sa.Integer(), nullable=True)
        batch_op.create_check_constraint("ck_sessions_status", f"status IN {STATUSES}")

    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("session_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("trigger_key", sa.String(length=80), nullable=True))
        batch_op.alter_column("response_id", existing_type=sa.Integer(), nullable=True)
        batch_op.drop_constraint("ck_alerts_severity", type_="check")
        batch_op.create_check_constraint("ck_alerts_severity", f"severity IN {SEVERITIES}")
        batch_op.create_foreign_key("fk_alerts_session_id_sessions", "sessions",
                                    ["session_id"], ["id"])
        batch_op.create_unique_constraint(
            "uq_alerts_trigger", ["client_id", "instrument_id", "rule_id", "trigger_key"])


def downgrade() -> None:
    # Client alerts and unnumbered sessions cannot exist in the old schema: they go first.
    op.execute("DELETE FROM alerts WHERE response_id IS NULL")
    op.execute("UPDATE alerts SET severity = 'warning' WHERE severity = 'urgent'")
    op.execute("DELETE FROM handover_codes WHERE session_id IN "
               "(SELECT id FROM sessions WHERE number IS NULL)")
    op.execute("DELETE FROM sessions WHERE number IS NULL")
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_constraint("uq_alerts_trigger", type_="unique")
        batch_op.drop_constraint("fk_alerts_session_id_sessions", type_="foreignkey")
        batch_op.drop_constraint("ck_alerts_severity", type_="check")
        batch_op.create_check_constraint("ck_alerts_severity", f"severity IN {OLD_SEVERITIES}")
        batch_op.alter_column("response_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column("trigger_key")
        batch_op.drop_column("session_id")

    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.drop_constraint("ck_sessions_status", type_="check")
        batch_op.alter_column("number", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column("status_reason")
        batch_op.drop_column("status")
        batch_op.drop_column("time")

    with op.batch_alter_table("episodes", schema=None) as batch_op:
        batch_op.drop_constraint("ck_episodes_end", type_="check")
        batch_op.drop_column("end_reason")
