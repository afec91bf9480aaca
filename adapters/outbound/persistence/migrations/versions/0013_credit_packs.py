"""Credit packs: an order line is a course or a credit pack (with the credits it grants)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

# Frozen here as it was written, whatever the tables module says later.
KIND_FIELDS = (
    "(kind = 'course' AND course_id IS NOT NULL AND credit_pack_id IS NULL "
    "AND credits_minor IS NULL) OR "
    "(kind = 'credit_pack' AND course_id IS NULL AND credit_pack_id IS NOT NULL "
    "AND credits_minor > 0)")


def upgrade() -> None:
    # Batch: SQLite changes a column's nullability and adds a CHECK by copying the table.
    with op.batch_alter_table("order_lines", schema=None) as batch_op:
        # Every line sold so far is a course's.
        batch_op.add_column(sa.Column("kind", sa.String(32), nullable=False,
                                      server_default="course"))
        batch_op.add_column(sa.Column("credit_pack_id", sa.String(32)))
        batch_op.add_column(sa.Column("credits_minor", sa.BigInteger()))
        batch_op.alter_column("course_id", existing_type=sa.String(36), nullable=True)
        batch_op.create_check_constraint("order_line_kind_fields", KIND_FIELDS)


def downgrade() -> None:
    sold = op.get_bind().execute(sa.text(
        "SELECT COUNT(*) FROM order_lines WHERE kind <> 'course'")).scalar_one()
    if sold:
        # Their lines have no course: the old schema cannot hold them, and dropping them
        # would lose what was paid for.
        raise RuntimeError(f"{sold} credit pack order lines exist; the schema before 0013 "
                           "cannot hold them")
    with op.batch_alter_table("order_lines", schema=None) as batch_op:
        batch_op.drop_constraint("order_line_kind_fields", type_="check")
        batch_op.alter_column("course_id", existing_type=sa.String(36), nullable=False)
        batch_op.drop_column("credits_minor")
        batch_op.drop_column("credit_pack_id")
        batch_op.drop_column("kind")
