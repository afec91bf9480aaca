"""Messaging: the delivery log, the in-app inbox, suppressed addresses, preferences, and a
locale on every account

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _utc() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("locale", sa.String(32), nullable=False,
                                      server_default="en"))
    op.create_table(
        "message_deliveries",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("idempotency_key", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("recipient", sa.String(254), nullable=False),
        sa.Column("locale", sa.String(8), nullable=False),
        sa.Column("user_id", sa.String(36)),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("provider", sa.String(32)),
        sa.Column("provider_message_id", sa.String(255)),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text()),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("updated_at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_message_deliveries"),
        sa.UniqueConstraint("idempotency_key", name="uq_message_deliveries_idempotency_key"),
    )
    op.create_index("ix_message_deliveries_recipient", "message_deliveries", ["recipient"])
    op.create_index("ix_message_deliveries_created_at", "message_deliveries", ["created_at"])
    op.create_index("ix_message_deliveries_provider_message", "message_deliveries",
                    ["provider", "provider_message_id"])
    op.create_table(
        "notifications",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("idempotency_key", sa.String(200), nullable=False),
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("text", sa.String(500), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("read_at", _utc()),
        sa.PrimaryKeyConstraint("id", name="pk_notifications"),
        sa.UniqueConstraint("idempotency_key", name="uq_notifications_idempotency_key"),
    )
    op.create_index("ix_notifications_user_created", "notifications", ["user_id", "created_at"])
    op.create_table(
        "suppressions",
        sa.Column("id", sa.String(254), nullable=False),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("provider", sa.String(32), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_suppressions"),
    )
    op.create_table(
        "notification_preferences",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("email_off", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_notification_preferences"),
    )


def downgrade() -> None:
    op.drop_table("notification_preferences")
    op.drop_table("suppressions")
    op.drop_table("notifications")
    op.drop_table("message_deliveries")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("locale")
