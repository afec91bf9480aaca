"""Migration 0015 on SQLite and PostgreSQL: the teachers who existed before teacher approval
stay approved; nobody else gets an application."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, insert, select

from adapters.outbound.persistence.accounts import users
from adapters.outbound.persistence.database import build_engine
from adapters.outbound.persistence.identity import teacher_applications
from adapters.outbound.persistence.migrations_runner import upgrade
from tests.conftest import postgres_schema


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        engine = build_engine(f"sqlite:///{tmp_path / 'before.sqlite3'}")
        yield engine
        engine.dispose()
        return
    with postgres_schema("m") as url:
        engine = build_engine(url)
        yield engine
        engine.dispose()


def test_teachers_of_before_stay_approved(empty: Engine) -> None:
    upgrade(empty, "0014")
    with empty.begin() as connection:
        for user_id, role in (("u-teacher", "teacher"), ("u-student", "student")):
            connection.execute(insert(users).values(
                id=user_id, email=f"{user_id}@example.test", full_name=user_id, role=role,
                password_hash="x", created_at=datetime(2026, 1, 1, tzinfo=UTC),
                locale="en"))
    upgrade(empty)
    with empty.connect() as connection:
        rows = connection.execute(select(teacher_applications.c.user_id,
                                         teacher_applications.c.status)).all()
    assert [tuple(row) for row in rows] == [("u-teacher", "approved")]
