"""Files: the record of every upload (its purpose, owner, declared size and type, and
whether it was checked and put to use), each playback grant of a lesson's video, and where
a lesson's video is played from

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "stored_files",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("purpose", sa.String(32), nullable=False),
        sa.Column("owner_kind", sa.String(32), nullable=False),
        sa.Column("owner_id", sa.String(36), nullable=False),
        sa.Column("uploader_id", sa.String(36), nullable=False),
        sa.Column("subject_id", sa.String(36), nullable=False),
        sa.Column("key", sa.String(80), nullable=False),
        sa.Column("content_type", sa.String(100), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("filename", sa.String(120)),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True)),
        sa.Column("removed_at", sa.DateTime(timezone=True)),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["uploader_id"], ["users.id"],
                                name="fk_stored_files_uploader_id_users"),
        sa.PrimaryKeyConstraint("id", name="pk_stored_files"),
        sa.UniqueConstraint("key", name="uq_stored_files_key"),
    )
    op.create_index("ix_stored_files_owner", "stored_files", ["owner_kind", "owner_id", "status"])
    op.create_index("ix_stored_files_status_created", "stored_files", ["status", "created_at"])
    op.create_index("ix_stored_files_unremoved", "stored_files", ["status", "removed_at",
                                                                  "expires_at"])
    op.create_table(
        "playback_grants",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("course_id", sa.String(36), nullable=False),
        sa.Column("lesson_id", sa.String(36), nullable=False),
        sa.Column("viewer_id", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["course_id"], ["courses.id"], ondelete="CASCADE",
                                name="fk_playback_grants_course_id_courses"),
        sa.ForeignKeyConstraint(["viewer_id"], ["users.id"],
                                name="fk_playback_grants_viewer_id_users"),
        sa.PrimaryKeyConstraint("id", name="pk_playback_grants"),
    )
    op.create_index("ix_playback_grants_course_lesson", "playback_grants",
                    ["course_id", "lesson_id"])
    with op.batch_alter_table("lessons") as lessons:
        lessons.add_column(sa.Column("video_kind", sa.String(32)))
    # Until now a lesson's video was a bare reference: a URL is external, anything else
    # the id of a video in a vault (what 11Tutors kept).
    op.execute("UPDATE lessons SET video_kind = CASE WHEN video_ref LIKE 'https://%' "
               "THEN 'external' ELSE 'vault' END WHERE video_ref IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table("lessons") as lessons:
        lessons.drop_column("video_kind")
    op.drop_table("playback_grants")
    op.drop_table("stored_files")
