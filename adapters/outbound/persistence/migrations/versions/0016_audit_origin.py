"""The audit trail says where an action came from (the actor's role, the client's address and
user agent) and is searched by actor and by subject

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.add_column(sa.Column("actor_role", sa.String(32)))
        batch_op.add_column(sa.Column("client_ip", sa.String(45)))
        batch_op.add_column(sa.Column("user_agent", sa.String(300)))
    op.create_index("ix_audit_log_actor", "audit_log", ["actor_id", "occurred_at"])
    op.create_index("ix_audit_log_subject", "audit_log", ["object_type", "object_id"])


def downgrade() -> None:
    op.drop_index("ix_audit_log_subject", "audit_log")
    op.drop_index("ix_audit_log_actor", "audit_log")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_column("user_agent")
        batch_op.drop_column("client_ip")
        batch_op.drop_column("actor_role")
