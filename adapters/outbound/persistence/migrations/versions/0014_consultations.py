"""Paid consultations: the services providers offer and the consultations students start on
them; a live participant now belongs to a live session or to a consultation, so its
session_id no longer points at live_sessions only

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def _utc() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("live_participants", schema=None) as batch_op:
        batch_op.drop_constraint("fk_live_participants_session_id_live_sessions",
                                 type_="foreignkey")
    op.create_table(
        "consultation_services",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("provider_id", sa.String(36), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("base_fee_minor", sa.BigInteger(), nullable=False),
        sa.Column("per_minute_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.CheckConstraint("base_fee_minor >= 0", name="base_fee_not_negative"),
        sa.CheckConstraint("per_minute_minor > 0", name="per_minute_positive"),
        sa.ForeignKeyConstraint(["provider_id"], ["users.id"],
                                name="fk_consultation_services_provider_id_users"),
        sa.PrimaryKeyConstraint("id", name="pk_consultation_services"),
    )
    op.create_index("ix_consultation_services_provider", "consultation_services",
                    ["provider_id", "created_at"])
    op.create_table(
        "consultations",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("service_id", sa.String(36), nullable=False),
        sa.Column("student_id", sa.String(36), nullable=False),
        sa.Column("provider_id", sa.String(36), nullable=False),
        sa.Column("video_provider", sa.String(16), nullable=False),
        sa.Column("base_fee_minor", sa.BigInteger(), nullable=False),
        sa.Column("per_minute_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("started_at", _utc(), nullable=False),
        sa.Column("held_minor", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("ended_at", _utc()),
        sa.Column("stop_reason", sa.String(32)),
        sa.Column("billed_seconds", sa.Integer(), nullable=False),
        sa.Column("billed_minutes", sa.Integer(), nullable=False),
        sa.Column("cost_minor", sa.BigInteger(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("cost_minor >= 0 AND cost_minor <= held_minor",
                           name="cost_within_hold"),
        sa.ForeignKeyConstraint(["service_id"], ["consultation_services.id"],
                                name="fk_consultations_service_id_consultation_services"),
        sa.ForeignKeyConstraint(["student_id"], ["users.id"],
                                name="fk_consultations_student_id_users"),
        sa.ForeignKeyConstraint(["provider_id"], ["users.id"],
                                name="fk_consultations_provider_id_users"),
        sa.PrimaryKeyConstraint("id", name="pk_consultations"),
    )
    op.create_index("ix_consultations_student_id", "consultations", ["student_id"])
    op.create_index("ix_consultations_provider_id", "consultations", ["provider_id"])
    op.create_index("ix_consultations_status", "consultations", ["status", "started_at"])
    op.create_index("ix_consultations_ended_at", "consultations", ["ended_at"])


def downgrade() -> None:
    op.drop_table("consultations")
    op.drop_table("consultation_services")
    with op.batch_alter_table("live_participants", schema=None) as batch_op:
        batch_op.create_foreign_key("fk_live_participants_session_id_live_sessions",
                                    "live_sessions", ["session_id"], ["id"])
