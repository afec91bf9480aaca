"""Live classes: sessions, their participants with a uid unique in the session, and the
stretches of time each participant was present

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def _utc() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "live_sessions",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("course_id", sa.String(36), nullable=False),
        sa.Column("teacher_id", sa.String(36), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("starts_at", _utc(), nullable=False),
        sa.Column("planned_minutes", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(16), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("started_at", _utc()),
        sa.Column("ended_at", _utc()),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["course_id"], ["courses.id"],
                                name="fk_live_sessions_course_id_courses"),
        sa.ForeignKeyConstraint(["teacher_id"], ["users.id"],
                                name="fk_live_sessions_teacher_id_users"),
        sa.PrimaryKeyConstraint("id", name="pk_live_sessions"),
    )
    op.create_index("ix_live_sessions_course_id", "live_sessions", ["course_id"])
    op.create_index("ix_live_sessions_status", "live_sessions", ["status", "starts_at"])
    op.create_table(
        "live_participants",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("session_id", sa.String(36), nullable=False),
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.Column("uid", sa.BigInteger(), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("joined_at", _utc(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["session_id"], ["live_sessions.id"],
                                name="fk_live_participants_session_id_live_sessions"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name="fk_live_participants_user_id_users"),
        sa.PrimaryKeyConstraint("id", name="pk_live_participants"),
        sa.UniqueConstraint("session_id", "user_id", name="uq_live_participants_session_user"),
        sa.UniqueConstraint("session_id", "uid", name="uq_live_participants_session_uid"),
    )
    op.create_table(
        "live_presences",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("participant_id", sa.String(36), nullable=False),
        sa.Column("started_at", _utc(), nullable=False),
        sa.Column("last_seen_at", _utc(), nullable=False),
        sa.Column("ended_at", _utc()),
        sa.ForeignKeyConstraint(["participant_id"], ["live_participants.id"],
                                name="fk_live_presences_participant_id_live_participants",
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_live_presences"),
    )
    op.create_index("ix_live_presences_participant_id", "live_presences", ["participant_id"])


def downgrade() -> None:
    op.drop_table("live_presences")
    op.drop_table("live_participants")
    op.drop_table("live_sessions")
