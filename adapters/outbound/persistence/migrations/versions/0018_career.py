"""Career: conversations with the advisor and their messages, CV analyses, advisor calls
(allowance and token usage), job postings, applications, the job search's monthly budget

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def _utc() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def _id(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.String(36), nullable=nullable)


def _user_fk(table: str, column: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], ["users.id"], name=f"fk_{table}_{column}_users")


def upgrade() -> None:
    op.create_table(
        "career_conversations",
        _id("id"), _id("user_id"),
        sa.Column("title", sa.String(80), nullable=False),
        sa.Column("started_at", _utc(), nullable=False),
        sa.Column("updated_at", _utc(), nullable=False),
        sa.Column("message_count", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        _user_fk("career_conversations", "user_id"),
        sa.PrimaryKeyConstraint("id", name="pk_career_conversations"),
    )
    op.create_index("ix_career_conversations_user", "career_conversations",
                    ["user_id", "updated_at"])
    op.create_table(
        "career_messages",
        _id("conversation_id"),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("speaker", sa.String(32), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("at", _utc(), nullable=False),
        sa.ForeignKeyConstraint(["conversation_id"], ["career_conversations.id"],
                                name="fk_career_messages_conversation_id_career_conversations",
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("conversation_id", "position", name="pk_career_messages"),
    )
    op.create_table(
        "cv_analyses",
        _id("id"), _id("user_id"),
        sa.Column("provider", sa.String(16), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        *(sa.Column(name, sa.JSON(), nullable=False)
          for name in ("strengths", "weaknesses", "improvements", "ats_tips", "skills")),
        _id("file_id", nullable=True),
        _user_fk("cv_analyses", "user_id"),
        sa.PrimaryKeyConstraint("id", name="pk_cv_analyses"),
    )
    op.create_index("ix_cv_analyses_user", "cv_analyses", ["user_id", "created_at"])
    op.create_table(
        "advisor_calls",
        _id("id"), _id("user_id"),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("provider", sa.String(16), nullable=False),
        sa.Column("at", _utc(), nullable=False),
        sa.Column("prompt_tokens", sa.Integer(), nullable=False),
        sa.Column("output_tokens", sa.Integer(), nullable=False),
        sa.Column("settled", sa.Boolean(), nullable=False),
        _user_fk("advisor_calls", "user_id"),
        sa.PrimaryKeyConstraint("id", name="pk_advisor_calls"),
    )
    op.create_index("ix_advisor_calls_user_at", "advisor_calls", ["user_id", "at"])
    op.create_index("ix_advisor_calls_at", "advisor_calls", ["at"])
    op.create_table(
        "job_postings",
        _id("id"), _id("company_id"),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("company", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("location", sa.String(200), nullable=False),
        sa.Column("employment_type", sa.String(32), nullable=False),
        sa.Column("experience", sa.String(32)),
        sa.Column("remote", sa.Boolean(), nullable=False),
        sa.Column("salary_currency", sa.String(3)),
        sa.Column("salary_period", sa.String(32)),
        sa.Column("salary_min", sa.Integer()),
        sa.Column("salary_max", sa.Integer()),
        sa.Column("skills", sa.JSON(), nullable=False),
        sa.Column("posted_at", _utc(), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("closed_at", _utc()),
        sa.Column("version", sa.Integer(), nullable=False),
        _user_fk("job_postings", "company_id"),
        sa.PrimaryKeyConstraint("id", name="pk_job_postings"),
    )
    op.create_index("ix_job_postings_status_posted", "job_postings", ["status", "posted_at"])
    op.create_index("ix_job_postings_company", "job_postings", ["company_id", "posted_at"])
    op.create_table(
        "job_applications",
        _id("id"), _id("job_id"), _id("company_id"), _id("student_id"), _id("cv_file_id"),
        sa.Column("cover_letter", sa.Text(), nullable=False),
        sa.Column("submitted_at", _utc(), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("status_at", _utc()),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["job_id"], ["job_postings.id"],
                                name="fk_job_applications_job_id_job_postings"),
        _user_fk("job_applications", "company_id"),
        _user_fk("job_applications", "student_id"),
        sa.PrimaryKeyConstraint("id", name="pk_job_applications"),
    )
    op.create_index("uq_job_applications_student_job", "job_applications",
                    ["student_id", "job_id"], unique=True)
    op.create_index("ix_job_applications_job", "job_applications", ["job_id", "submitted_at"])
    op.create_table(
        "job_search_budget",
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("spent", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("source", "month", name="pk_job_search_budget"),
    )


def downgrade() -> None:
    for table in ("job_search_budget", "job_applications", "job_postings", "advisor_calls",
                  "cv_analyses", "career_messages", "career_conversations"):
        op.drop_table(table)
