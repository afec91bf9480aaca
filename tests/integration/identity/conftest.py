"""Fixtures of the identity adapters' tests: one fake Didit for the whole session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.vendor_servers.didit_server import FakeDidit


@pytest.fixture(scope="session")
def didit_server() -> Iterator[FakeDidit]:
    """Didit's API on 127.0.0.1, started once: tests open sessions for users of their own
    and clear the faults and the request log they use (``fresh_didit``)."""
    with FakeDidit() as server:
        yield server


@pytest.fixture
def fresh_didit(didit_server: FakeDidit) -> FakeDidit:
    """The shared fake with no queued faults and an empty request log."""
    didit_server.clear_faults()
    didit_server.clear_log()
    return didit_server
