"""Institutions' monthly invoices (one per institution and period) and the months done

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "institution_invoices",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("institution_id", sa.String(36), nullable=False),
        sa.Column("period", sa.String(7), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("lines", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("provider_invoice_id", sa.String(64)),
        sa.Column("hosted_url", sa.String(500)),
        sa.Column("issued_at", sa.DateTime(timezone=True)),
        sa.Column("paid_at", sa.DateTime(timezone=True)),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["institution_id"], ["institutions.id"],
                                name="fk_institution_invoices_institution_id_institutions"),
        sa.PrimaryKeyConstraint("id", name="pk_institution_invoices"),
    )
    op.create_index("uq_institution_invoices_period", "institution_invoices",
                    ["institution_id", "period"], unique=True)
    op.create_index("ix_institution_invoices_provider", "institution_invoices",
                    ["provider_invoice_id"])
    op.create_table(
        "invoice_runs",
        sa.Column("period", sa.String(7), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("period", name="pk_invoice_runs"),
    )


def downgrade() -> None:
    for table in ("invoice_runs", "institution_invoices"):
        op.drop_table(table)
