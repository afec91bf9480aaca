"""Fixtures of the file store's tests: one moto S3 server for the whole session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.vendor_servers.moto_s3 import MotoS3Server


@pytest.fixture(scope="session")
def moto_s3() -> Iterator[MotoS3Server]:
    """moto's S3 on 127.0.0.1, started once: each test makes a bucket of its own."""
    with MotoS3Server() as server:
        yield server
