"""How an institution's invoice was paid, and the failed attempts already told

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("institution_invoices", schema=None) as batch_op:
        batch_op.add_column(sa.Column("paid_amount", sa.BigInteger()))
        batch_op.add_column(sa.Column("payment_method_type", sa.String(40)))
        batch_op.add_column(sa.Column("payment_intent_id", sa.String(64)))
        batch_op.add_column(sa.Column("failed_attempts", sa.JSON(), nullable=False,
                                      server_default="[]"))


def downgrade() -> None:
    with op.batch_alter_table("institution_invoices", schema=None) as batch_op:
        for column in ("failed_attempts", "payment_intent_id", "payment_method_type",
                       "paid_amount"):
            batch_op.drop_column(column)
