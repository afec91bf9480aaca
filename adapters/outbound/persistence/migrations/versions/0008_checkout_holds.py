"""Checkout holds: no course in two open attempts of one student, whatever their course sets

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "checkout_holds",
        sa.Column("student_id", sa.String(36), nullable=False),
        sa.Column("course_id", sa.String(36), nullable=False),
        sa.Column("payment_id", sa.String(36), nullable=False),
        sa.ForeignKeyConstraint(["payment_id"], ["payments.id"],
                                name="fk_checkout_holds_payment_id_payments"),
        sa.PrimaryKeyConstraint("student_id", "course_id", name="pk_checkout_holds"),
    )
    op.create_index("ix_checkout_holds_payment_id", "checkout_holds", ["payment_id"])
    # Open attempts made before holds existed hold their courses from now on (one of them per
    # course, where the old rule let two overlap: the next checkout replaces the others).
    op.execute(sa.text(
        "INSERT INTO checkout_holds (student_id, course_id, payment_id) "
        "SELECT p.student_id, l.course_id, MIN(p.id) FROM payments p "
        "JOIN order_lines l ON l.order_id = p.order_id "
        "WHERE p.status IN ('pending', 'requires_action', 'failed') "
        "GROUP BY p.student_id, l.course_id"))


def downgrade() -> None:
    op.drop_table("checkout_holds")
