"""Fixtures shared by every test: databases, settings, the app and its client.

Service-backed tests skip with a reason when their URL is unset (a laptop); under CI=true a
missing service is a failure, never a skip.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from injector import Binder, InstanceProvider, Module
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from adapters.outbound.persistence.database import build_engine, normalise_url
from adapters.outbound.persistence.migrations_runner import upgrade
from adapters.outbound.persistence.tables import metadata
from adapters.settings import Settings
from application.shared.ports import Clock

IN_CI = os.environ.get("CI", "").lower() in ("true", "1")
JWT_SECRET = "test-secret-that-is-long-enough-for-hs256-0123456789"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "slow: takes minutes (the OpenAPI conformance run); CI runs it, deselect "
                   "it locally with -m 'not slow'")


def need_service(variable: str) -> str:
    url = os.environ.get(variable)
    if not url:
        message = f"{variable} is not set, so this test has no service to run against"
        if IN_CI:
            pytest.fail(f"{message} (CI=true: a missing service is a failure)")
        pytest.skip(message)
    return url


# --- databases -------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for every test: migrating once keeps tests fast."""
    path = tmp_path_factory.mktemp("template") / "eduport.sqlite3"
    engine = build_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


@contextmanager
def postgres_schema(prefix: str = "t") -> Iterator[str]:
    """The URL of a schema of its own in the test database, empty, dropped afterwards."""
    base = normalise_url(need_service("DATABASE_URL"))
    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = build_engine(base)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(scope="session")
def postgres_schema_url() -> Iterator[str]:
    """A migrated schema of its own, so parallel runs never see each other."""
    with postgres_schema() as rendered:
        engine = build_engine(rendered)
        upgrade(engine)
        engine.dispose()
        yield rendered


def truncate_all(url: str) -> None:
    engine = build_engine(url)
    names = ", ".join(f'"{table.name}"' for table in metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {names} CASCADE"))
    engine.dispose()


def fresh_database(request: pytest.FixtureRequest, tmp_path: Path, kind: str) -> str:
    """The URL of an empty, migrated database: a copy of the SQLite template, or the
    session's PostgreSQL schema truncated."""
    if kind == "sqlite":
        path = tmp_path / "eduport.sqlite3"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url: str = request.getfixturevalue("postgres_schema_url")
    truncate_all(url)
    return url


@contextmanager
def mapped_engine(url: str) -> Iterator[Engine]:
    from adapters.outbound.persistence.orm import start_mappers

    start_mappers()
    engine = build_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each test that asks for it runs twice: on SQLite and on PostgreSQL."""
    return fresh_database(request, tmp_path, request.param)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    with mapped_engine(database_url) as engine:
        yield engine


@pytest.fixture
def redis_url() -> str:
    return need_service("REDIS_URL")


# --- the application -------------------------------------------------------------------------


def make_settings(tmp_path: Path, database_url: str, **overrides: str) -> Settings:
    environ = {
        "EDUPORT_ENV": "test",
        "EDUPORT_DATA_DIR": str(tmp_path),
        "DATABASE_URL": database_url,
        "JWT_SECRET": JWT_SECRET,
        "PASSWORD_HASH_TIME_COST": "1",
        "PASSWORD_HASH_MEMORY_KIB": "8",
        "RATE_LIMIT_LOGIN": "1000 per minute",
        "RATE_LIMIT_REGISTER": "1000 per minute",
        # The named limits are tested on their own (test_rate_limits_http); elsewhere a test
        # makes as many calls as it needs.
        "RATE_LIMIT_AUTHENTICATED": "100000 per minute",
        "RATE_LIMIT_PASSWORD_RESET": "1000 per minute",
        "RATE_LIMIT_VERIFICATION": "1000 per minute",
        "RATE_LIMIT_CHECKOUT": "1000 per minute",
        "RATE_LIMIT_WEBHOOKS": "100000 per minute",
        "LOG_FORMAT": "text",
        # The rule that sellers and buyers confirm their address is tested on its own
        # (test_verified_email_http); elsewhere sign-ups act at once.
        "REQUIRE_VERIFIED_EMAIL": "",
        # So is the rule that a teacher publishes once approved (tests/integration/identity,
        # features/identity.feature); elsewhere a new teacher publishes at once.
        "TEACHER_APPROVAL": "false",
        "LOG_LEVEL": "WARNING",
        "FRONTEND_URL": "https://app.example.test",
        "EDUPORT_QUEUE": f"test-{uuid.uuid4().hex[:8]}",
        **overrides,
    }
    from bootstrap import read_settings

    return read_settings(environ)


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return make_settings(tmp_path, database_url)


@pytest.fixture
def clock() -> Any:
    """The Clock of a test marked ``clocked``: now, to the second, and moved only by the
    test, so what happens minute by minute runs in a moment."""
    from tests.unit.shared.fakes import FakeClock

    return FakeClock(datetime.now(UTC).replace(microsecond=0))


@pytest.fixture
def injector(request: pytest.FixtureRequest, settings: Settings) -> Iterator[Any]:
    """The app's injector; for a test marked ``clocked``, with the ``clock`` fixture as its
    Clock."""
    if request.node.get_closest_marker("clocked"):
        yield from clocked_injector(settings, request.getfixturevalue("clock"))
        return
    from bootstrap import build_injector

    injector = build_injector(settings)
    yield injector
    injector.get(Engine).dispose()  # no connections left behind for the next test


@pytest.fixture
def app(injector: Any, settings: Settings) -> Any:
    from bootstrap import create_app

    return create_app(injector, settings)


@pytest.fixture
def client(app: Any) -> Any:
    return app.test_client()


def all_areas_unit_of_work() -> type[Any]:
    """One SQL unit of work with every area's repositories, for tests that check repositories
    of several areas in one transaction (the fake unit of work serves every area too)."""
    from adapters.outbound.persistence.accounts import SqlAccountsUnitOfWork
    from adapters.outbound.persistence.catalog import SqlCatalogUnitOfWork
    from adapters.outbound.persistence.files import SqlFilesUnitOfWork
    from adapters.outbound.persistence.payments import SqlPaymentsUnitOfWork
    from adapters.outbound.persistence.unit_of_work import SqlKernelUnitOfWork, SqlUnitOfWork

    class AllAreasUnitOfWork(SqlUnitOfWork):
        repositories = {**SqlAccountsUnitOfWork.repositories,
                        **SqlCatalogUnitOfWork.repositories,
                        **SqlPaymentsUnitOfWork.repositories,
                        **SqlKernelUnitOfWork.repositories,
                        **SqlFilesUnitOfWork.repositories}

    return AllAreasUnitOfWork


class ClockModule(Module):
    """Binds the Clock port to a test's clock, so time moves when the test says."""

    def __init__(self, clock: Any) -> None:
        self.clock = clock

    def configure(self, binder: Binder) -> None:
        binder.bind(Clock, to=InstanceProvider(self.clock))  # type: ignore[type-abstract]


def clocked_injector(settings: Settings, clock: Any) -> Iterator[Any]:
    """The app's injector with ``clock`` as its Clock; its engine disposed afterwards."""
    from bootstrap import build_injector

    injector = build_injector(settings, ClockModule(clock))
    yield injector
    injector.get(Engine).dispose()
