"""Fixtures the integration tests of every area share."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.conftest import fresh_database, mapped_engine


@pytest.fixture
def contract_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A migrated SQLite database of its own (PostgreSQL is covered by the adapters' tests)."""
    with mapped_engine(fresh_database(request, tmp_path, "sqlite")) as engine:
        yield engine


@pytest.fixture
def postgres_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """PostgreSQL alone, for interleavings SQLite's one-writer-at-a-time cannot produce."""
    with mapped_engine(fresh_database(request, tmp_path, "postgres")) as engine:
        yield engine
