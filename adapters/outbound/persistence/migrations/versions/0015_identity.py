"""Identity: verifications (what is kept of each decision) and teacher applications; every
teacher who exists already stays approved

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def _utc() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "identity_verifications",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.Column("provider", sa.String(16), nullable=False),
        sa.Column("session_id", sa.String(64), nullable=False),
        sa.Column("url", sa.String(500)),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("status_at", _utc()),
        sa.Column("decided_at", _utc()),
        sa.Column("document_type", sa.String(64)),
        sa.Column("issuing_country", sa.String(8)),
        sa.Column("decline_reason", sa.String(500)),
        sa.Column("reviewer_id", sa.String(36)),
        sa.Column("next_poll_at", _utc()),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name="fk_identity_verifications_user_id_users"),
        sa.PrimaryKeyConstraint("id", name="pk_identity_verifications"),
        sa.UniqueConstraint("provider", "session_id", name="uq_identity_verifications_session"),
    )
    op.create_index("ix_identity_verifications_user", "identity_verifications",
                    ["user_id", "created_at"])
    op.create_index("ix_identity_verifications_status", "identity_verifications",
                    ["status", "created_at"])
    applications = op.create_table(
        "teacher_applications",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.Column("submitted_at", _utc(), nullable=False),
        sa.Column("headline", sa.String(200), nullable=False),
        sa.Column("bio", sa.Text(), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("decided_at", _utc()),
        sa.Column("decided_by", sa.String(36)),
        sa.Column("reason", sa.String(500)),
        sa.Column("rejected_profile", sa.String(64)),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name="fk_teacher_applications_user_id_users"),
        sa.PrimaryKeyConstraint("id", name="pk_teacher_applications"),
        sa.UniqueConstraint("user_id", name="uq_teacher_applications_user_id"),
    )
    op.create_index("ix_teacher_applications_status", "teacher_applications",
                    ["status", "submitted_at"])
    # The teachers of today were never asked to apply: they stay approved.
    teachers = op.get_bind().execute(sa.text(
        "SELECT id FROM users WHERE role = 'teacher'")).scalars().all()
    now = datetime.now(UTC)
    if teachers:
        op.bulk_insert(applications, [
            {"id": str(uuid.uuid4()), "user_id": user_id, "submitted_at": now,
             "headline": "", "bio": "", "status": "approved", "decided_at": now,
             "decided_by": None, "reason": None, "rejected_profile": None, "version": 1}
            for user_id in teachers])


def downgrade() -> None:
    op.drop_table("teacher_applications")
    op.drop_table("identity_verifications")
