"""Storage use: what eduport stores for each institution, when it was measured, and since
when its use has been past the warning share of its quota

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("institutions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("stored_bytes", sa.BigInteger(), nullable=False,
                                      server_default="0"))
        batch_op.add_column(sa.Column("stored_at", sa.DateTime(timezone=True)))
        batch_op.add_column(sa.Column("storage_warned_at", sa.DateTime(timezone=True)))


def downgrade() -> None:
    with op.batch_alter_table("institutions", schema=None) as batch_op:
        batch_op.drop_column("storage_warned_at")
        batch_op.drop_column("stored_at")
        batch_op.drop_column("stored_bytes")
