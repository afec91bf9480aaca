"""Institutions' subscriptions to their plans, as the billing provider last said

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "institution_subscriptions",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("institution_id", sa.String(36), nullable=False),
        sa.Column("provider", sa.String(16), nullable=False),
        sa.Column("plan", sa.String(40), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("cancel_at_period_end", sa.Boolean(), nullable=False),
        sa.Column("current_period_end", sa.DateTime(timezone=True)),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["institution_id"], ["institutions.id"],
                                name="fk_institution_subscriptions_institution_id_institutions"),
        sa.PrimaryKeyConstraint("id", name="pk_institution_subscriptions"),
    )
    op.create_index("ix_institution_subscriptions_institution", "institution_subscriptions",
                    ["institution_id", "updated_at"])


def downgrade() -> None:
    op.drop_table("institution_subscriptions")
