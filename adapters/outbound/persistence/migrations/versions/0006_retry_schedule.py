"""Retries on the outbox and the webhook inbox: when a failed record is due again, and when
it was given up after its last retry

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_TABLES = ("outbox", "webhook_events")


def upgrade() -> None:
    for table in _TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("retry_at", sa.DateTime(timezone=True)))
            batch_op.add_column(sa.Column("gave_up_at", sa.DateTime(timezone=True)))


def downgrade() -> None:
    for table in _TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("gave_up_at")
            batch_op.drop_column("retry_at")
