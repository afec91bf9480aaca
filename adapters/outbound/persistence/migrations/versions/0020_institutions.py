"""Institutions: the institutions the platform bills (with the metrics their portals report
and the secret they sign reports with), which admin runs which, their activity and alerts

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def _utc() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def _id(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.String(36), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "institutions",
        _id("id"),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("primary_email", sa.String(254), nullable=False),
        sa.Column("domain", sa.String(253), nullable=False),
        sa.Column("plan", sa.String(40), nullable=False),
        sa.Column("storage_quota_bytes", sa.BigInteger(), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("updated_at", _utc(), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("deactivated_at", _utc()),
        sa.Column("billing_customer_id", sa.String(64)),
        sa.Column("students", sa.Integer(), nullable=False),
        sa.Column("faculty", sa.Integer(), nullable=False),
        sa.Column("storage_bytes", sa.BigInteger(), nullable=False),
        sa.Column("students_at", _utc()),
        sa.Column("faculty_at", _utc()),
        sa.Column("storage_at", _utc()),
        sa.Column("signing_secret", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_institutions"),
        sa.UniqueConstraint("domain", name="uq_institutions_domain"),
    )
    op.create_index("ix_institutions_status_name", "institutions", ["status", "name"])
    op.create_table(
        "institution_admins",
        _id("user_id"), _id("institution_id"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name="fk_institution_admins_user_id_users"),
        sa.ForeignKeyConstraint(["institution_id"], ["institutions.id"],
                                name="fk_institution_admins_institution_id_institutions"),
        sa.PrimaryKeyConstraint("user_id", name="pk_institution_admins"),
    )
    op.create_index("ix_institution_admins_institution", "institution_admins",
                    ["institution_id"])
    op.create_table(
        "institution_activity",
        sa.Column("id", sa.String(200), nullable=False),
        _id("institution_id"),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("description", sa.String(300), nullable=False),
        _id("actor_id", nullable=True),
        sa.Column("at", _utc(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["institution_id"], ["institutions.id"],
                                name="fk_institution_activity_institution_id_institutions"),
        sa.PrimaryKeyConstraint("id", name="pk_institution_activity"),
    )
    op.create_index("ix_institution_activity_institution", "institution_activity",
                    ["institution_id", "at"])


    op.create_table(
        "institution_alerts",
        _id("id"), _id("institution_id"),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("severity", sa.String(32), nullable=False),
        sa.Column("message", sa.String(500), nullable=False),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("raised_at", _utc(), nullable=False),
        sa.Column("reference", sa.String(200), nullable=False),
        sa.Column("acknowledged_at", _utc()),
        _id("acknowledged_by", nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["institution_id"], ["institutions.id"],
                                name="fk_institution_alerts_institution_id_institutions"),
        sa.ForeignKeyConstraint(["acknowledged_by"], ["users.id"],
                                name="fk_institution_alerts_acknowledged_by_users"),
        sa.PrimaryKeyConstraint("id", name="pk_institution_alerts"),
    )
    op.create_index("uq_institution_alerts_reference", "institution_alerts",
                    ["institution_id", "reference"], unique=True)
    op.create_index("ix_institution_alerts_raised", "institution_alerts", ["raised_at"])


def downgrade() -> None:
    for table in ("institution_alerts", "institution_activity", "institution_admins",
                  "institutions"):
        op.drop_table(table)
