"""Dunning: the reminders sent for each unpaid invoice, and institutions flagged past due

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("institutions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("past_due_since", sa.DateTime(timezone=True)))
    op.create_table(
        "invoice_reminders",
        sa.Column("invoice_id", sa.String(36), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["invoice_id"], ["institution_invoices.id"],
                                name="fk_invoice_reminders_invoice_id_institution_invoices"),
        sa.PrimaryKeyConstraint("invoice_id", "step", name="pk_invoice_reminders"),
    )


def downgrade() -> None:
    op.drop_table("invoice_reminders")
    with op.batch_alter_table("institutions", schema=None) as batch_op:
        batch_op.drop_column("past_due_since")
