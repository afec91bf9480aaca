"""A process killed between commit and enqueue: the cron relay still delivers, exactly once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from adapters.outbound.persistence import tables as t
from tests.conftest import JWT_SECRET
from tests.integration.outbox_processes import KILLED_AFTER_COMMIT

pytestmark = pytest.mark.redis


def _env(database_url: str, redis_url: str, journal: Path, tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url, "REDIS_URL": redis_url, "JWT_SECRET": JWT_SECRET,
        "EDUPORT_ENV": "test", "EDUPORT_DATA_DIR": str(tmp_path),
        "EDUPORT_QUEUE": f"crash-{uuid.uuid4().hex[:8]}", "MAIL_JOURNAL": str(journal),
        "OUTBOX_RELAY_INTERVAL_SECONDS": "1", "OUTBOX_RELAY_GRACE_SECONDS": "0",
        "PASSWORD_HASH_TIME_COST": "1", "PASSWORD_HASH_MEMORY_KIB": "8",
        "LOG_LEVEL": "WARNING", "LOG_FORMAT": "text",
    }


def _processed(engine: Engine) -> list[bool]:
    # The message the crash stranded (the notices it leads to are outbox messages too).
    with engine.connect() as connection:
        rows = connection.execute(select(t.outbox.c.processed_at).where(
            t.outbox.c.event_type == "UserRegistered")).all()
    return [row.processed_at is not None for row in rows]


def test_kill_between_commit_and_enqueue_then_relay_delivers_once(
    database_url: str, redis_url: str, engine: Engine, tmp_path: Path
) -> None:
    journal = tmp_path / "mail.jsonl"
    env = _env(database_url, redis_url, journal, tmp_path)
    module = [sys.executable, "-m", "tests.integration.outbox_processes"]

    crashed = subprocess.run([*module, "register", "crash@example.test"], env=env,
                             capture_output=True, timeout=60, check=False)
    assert crashed.returncode == KILLED_AFTER_COMMIT, crashed.stderr.decode()[-2000:]
    assert _processed(engine) == [False]  # committed, never dispatched
    assert not journal.exists()

    worker = subprocess.Popen([*module, "worker"], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 45
        while time.monotonic() < deadline and _processed(engine) != [True]:
            time.sleep(0.3)
        time.sleep(2.5)  # let the relay fire a few more times: nothing may run twice
    finally:
        worker.terminate()
        _, errors = worker.communicate(timeout=30)
    assert _processed(engine) == [True], errors.decode()[-3000:]
    sends = [json.loads(line) for line in journal.read_text().splitlines()]
    subjects = sorted(send["subject"] for send in sends)
    assert subjects == ["Confirm your email address", "Welcome to eduport"]
    assert {send["to"] for send in sends} == {"crash@example.test"}
