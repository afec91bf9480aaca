"""Alembic environment: runs against the connection handed over by ``migrations_runner``."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from adapters.outbound.persistence.tables import metadata

config = context.config


def run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations with `eduport migrate`")
run(connection)
