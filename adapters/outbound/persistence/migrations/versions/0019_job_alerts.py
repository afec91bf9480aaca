"""New-job alerts: saved searches, the skills of students' latest CVs, alerts waiting for a
digest, one digest a day per student; a conversation's reply in progress

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def _utc() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def _id(name: str) -> sa.Column:
    return sa.Column(name, sa.String(36), nullable=False)


def _user_fk(table: str, column: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], ["users.id"], name=f"fk_{table}_{column}_users")


def upgrade() -> None:
    with op.batch_alter_table("career_conversations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("replying_since", _utc()))
    op.create_table(
        "job_saved_searches",
        _id("id"), _id("user_id"),
        sa.Column("keyword", sa.String(120), nullable=False),
        sa.Column("location", sa.String(120), nullable=False),
        sa.Column("remote_only", sa.Boolean(), nullable=False),
        sa.Column("employment_types", sa.JSON(), nullable=False),
        sa.Column("experience", sa.String(32)),
        sa.Column("created_at", _utc(), nullable=False),
        _user_fk("job_saved_searches", "user_id"),
        sa.PrimaryKeyConstraint("id", name="pk_job_saved_searches"),
    )
    op.create_index("ix_job_saved_searches_user", "job_saved_searches",
                    ["user_id", "created_at"])
    op.create_table(
        "student_skills",
        _id("user_id"),
        sa.Column("skill", sa.String(60), nullable=False),
        _user_fk("student_skills", "user_id"),
        sa.PrimaryKeyConstraint("user_id", "skill", name="pk_student_skills"),
    )
    op.create_index("ix_student_skills_skill", "student_skills", ["skill"])
    op.create_table(
        "job_alerts",
        _id("student_id"), _id("job_id"),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("digest_day", sa.String(10)),
        _user_fk("job_alerts", "student_id"),
        sa.ForeignKeyConstraint(["job_id"], ["job_postings.id"],
                                name="fk_job_alerts_job_id_job_postings"),
        sa.PrimaryKeyConstraint("student_id", "job_id", name="pk_job_alerts"),
    )
    op.create_index("ix_job_alerts_waiting", "job_alerts", ["digest_day", "student_id"])
    op.create_table(
        "job_digests",
        _id("student_id"),
        sa.Column("day", sa.String(10), nullable=False),
        sa.Column("job_ids", sa.JSON(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        _user_fk("job_digests", "student_id"),
        sa.PrimaryKeyConstraint("student_id", "day", name="pk_job_digests"),
    )


def downgrade() -> None:
    for table in ("job_digests", "job_alerts", "student_skills", "job_saved_searches"):
        op.drop_table(table)
    with op.batch_alter_table("career_conversations", schema=None) as batch_op:
        batch_op.drop_column("replying_since")
