"""Broadcasts to institutions: the endpoint each portal registered, the broadcasts and their
delivery to each institution

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def _utc() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def _id(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.String(36), nullable=nullable)


def upgrade() -> None:
    with op.batch_alter_table("institutions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("webhook_url", sa.String(500)))
    op.create_table(
        "institution_broadcasts",
        _id("id"),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("message", sa.String(2000), nullable=False),
        sa.Column("scheduled_at", _utc()),
        sa.Column("created_at", _utc(), nullable=False),
        _id("created_by", nullable=True),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"],
                                name="fk_institution_broadcasts_created_by_users"),
        sa.PrimaryKeyConstraint("id", name="pk_institution_broadcasts"),
    )
    op.create_index("ix_institution_broadcasts_created", "institution_broadcasts",
                    ["created_at"])
    op.create_table(
        "broadcast_deliveries",
        _id("id"), _id("broadcast_id"), _id("institution_id"),
        sa.Column("endpoint", sa.String(500)),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("updated_at", _utc(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(300)),
        sa.Column("delivered_at", _utc()),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["broadcast_id"], ["institution_broadcasts.id"],
                                name="fk_broadcast_deliveries_broadcast_id_institution_broadcasts"),
        sa.ForeignKeyConstraint(["institution_id"], ["institutions.id"],
                                name="fk_broadcast_deliveries_institution_id_institutions"),
        sa.PrimaryKeyConstraint("id", name="pk_broadcast_deliveries"),
    )
    op.create_index("ix_broadcast_deliveries_broadcast", "broadcast_deliveries",
                    ["broadcast_id"])


def downgrade() -> None:
    for table in ("broadcast_deliveries", "institution_broadcasts"):
        op.drop_table(table)
    with op.batch_alter_table("institutions", schema=None) as batch_op:
        batch_op.drop_column("webhook_url")
