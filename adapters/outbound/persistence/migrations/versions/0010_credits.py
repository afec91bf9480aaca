"""Credits: the append-only ledger of students' credits and the balances it adds up to,
never below zero

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "credit_entries",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("idempotency_key", sa.String(200), nullable=False),
        sa.Column("reason", sa.String(200), nullable=False),
        sa.Column("reference", sa.String(100)),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name="fk_credit_entries_user_id_users"),
        sa.PrimaryKeyConstraint("id", name="pk_credit_entries"),
        sa.UniqueConstraint("user_id", "idempotency_key", name="uq_credit_entries_user_key"),
    )
    op.create_index("ix_credit_entries_user_occurred", "credit_entries",
                    ["user_id", "occurred_at"])
    op.create_table(
        "credit_balances",
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("available", sa.BigInteger(), nullable=False),
        sa.Column("held", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("available >= 0", name="available_not_negative"),
        sa.CheckConstraint("held >= 0", name="held_not_negative"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name="fk_credit_balances_user_id_users"),
        sa.PrimaryKeyConstraint("user_id", "currency", name="pk_credit_balances"),
    )


def downgrade() -> None:
    op.drop_table("credit_balances")
    op.drop_table("credit_entries")
