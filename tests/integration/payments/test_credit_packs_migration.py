"""Migration 0013 on SQLite and PostgreSQL, each on a database of its own: the course lines
sold before it stay course lines, a line is a course or a credit pack and never both (a
CHECK), and going back refuses to lose credit pack orders."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import IntegrityError

from adapters.outbound.persistence import migrations_runner
from adapters.outbound.persistence.database import build_engine
from adapters.outbound.persistence.migrations_runner import head_revision, upgrade
from tests.conftest import postgres_schema

NOW = datetime(2026, 12, 3, tzinfo=UTC)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def bare(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An empty database nothing was migrated in (a PostgreSQL schema of its own)."""
    with ExitStack() as stack:
        url = (f"sqlite:///{tmp_path}/migrations.sqlite3" if request.param == "sqlite"
               else stack.enter_context(postgres_schema("m")))
        engine = build_engine(url)
        stack.callback(engine.dispose)
        yield engine


def downgrade(engine: Engine, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location",
                           str(Path(migrations_runner.__file__).parent / "migrations"))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def run(engine: Engine, sql: str, **values: Any) -> None:
    with engine.begin() as connection:
        connection.execute(text(sql), values)


def line(engine: Engine, line_id: str, **columns: Any) -> None:
    """An order line of the order "o-1" at 0013 or later."""
    values = {"id": line_id, "order_id": "o-1", "title": "A line", "price_minor": 2500,
              "price_currency": "USD", **columns}
    names = ", ".join(values)
    run(engine, f"INSERT INTO order_lines ({names}) VALUES "
                f"({', '.join(':' + name for name in values)})", **values)


def kinds(engine: Engine) -> list[tuple[Any, ...]]:
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(text(
            "SELECT id, kind, course_id, credit_pack_id, credits_minor FROM order_lines "
            "ORDER BY id"))]


def sold_before_then_migrated(bare: Engine) -> None:
    """A course sold at 0012, then the database migrated to 0013."""
    upgrade(bare, "0012")
    run(bare, "INSERT INTO users (id, email, full_name, role, password_hash, created_at, "
              "locale) VALUES ('u-1', 'ann@example.test', 'Ann', 'student', 'h', :now, 'en')",
        now=NOW)
    run(bare, "INSERT INTO courses (id, teacher_id, title, slug, description, price_minor, "
              "price_currency, status, created_at, updated_at, version) VALUES ('c-1', 'u-1', "
              "'Compilers', 'compilers', '', 2500, 'USD', 'published', :now, :now, 1)", now=NOW)
    run(bare, "INSERT INTO orders (id, student_id, currency, created_at) "
              "VALUES ('o-1', 'u-1', 'USD', :now)", now=NOW)
    run(bare, "INSERT INTO order_lines (id, order_id, course_id, title, price_minor, "
              "price_currency) VALUES ('l-1', 'o-1', 'c-1', 'Compilers', 2500, 'USD')")
    upgrade(bare, "0013")


def test_0013_keeps_course_lines_and_allows_a_line_to_be_one_thing_only(bare: Engine) -> None:
    sold_before_then_migrated(bare)
    assert kinds(bare) == [("l-1", "course", "c-1", None, None)]  # sold before: a course
    line(bare, "l-2", kind="credit_pack", credit_pack_id="plus", credits_minor=2750)
    for columns in ({"kind": "credit_pack", "credit_pack_id": "plus", "credits_minor": 2750,
                     "course_id": "c-1"},  # both
                    {"kind": "course"},  # a course line without its course
                    {"kind": "course", "course_id": "c-1", "credit_pack_id": "plus"},
                    {"kind": "credit_pack", "credit_pack_id": "plus", "credits_minor": 0},
                    {"kind": "credit_pack", "credits_minor": 100}):  # which pack?
        with pytest.raises(IntegrityError):
            line(bare, "l-3", **columns)
    assert [row[0] for row in kinds(bare)] == ["l-1", "l-2"]


def test_going_back_from_0013_refuses_to_lose_credit_pack_orders(bare: Engine) -> None:
    sold_before_then_migrated(bare)
    line(bare, "l-2", kind="credit_pack", credit_pack_id="plus", credits_minor=2750)
    with pytest.raises(RuntimeError, match="1 credit pack order lines exist"):
        downgrade(bare, "0012")
    run(bare, "DELETE FROM order_lines WHERE id = 'l-2'")
    downgrade(bare, "0012")
    columns = {c["name"]: c for c in inspect(bare).get_columns("order_lines")}
    assert "kind" not in columns and not columns["course_id"]["nullable"]
    upgrade(bare)
    assert kinds(bare) == [("l-1", "course", "c-1", None, None)]
    assert migrations_runner.current_revision(bare) == head_revision()
