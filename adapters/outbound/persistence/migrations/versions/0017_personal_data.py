"""Personal data (ADR 22): an account records when its person's data was erased, and each
export of a person's data is kept, with its document, until it expires

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def _utc() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("erased_at", _utc()))
    op.create_table(
        "data_exports",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("user_id", sa.String(36), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("requested_at", _utc(), nullable=False),
        sa.Column("ready_at", _utc()),
        sa.Column("expires_at", _utc()),
        sa.Column("document", sa.Text()),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_data_exports_user_id_users"),
        sa.PrimaryKeyConstraint("id", name="pk_data_exports"),
    )
    op.create_index("ix_data_exports_user", "data_exports", ["user_id", "requested_at"])
    op.create_index("ix_data_exports_expires_at", "data_exports", ["expires_at"])


def downgrade() -> None:
    op.drop_table("data_exports")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("erased_at")
