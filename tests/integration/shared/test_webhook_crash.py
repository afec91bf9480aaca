"""A worker killed in the middle of processing a webhook: the delivery is processed later,
by another worker, exactly once."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from adapters.outbound.persistence import tables as t
from bootstrap import build_injector, create_app
from tests.conftest import JWT_SECRET, make_settings
from tests.driver import bearer, deliver, login, paid_course, register
from tests.integration.payments.test_payments_http import _pay_silently, buy, sandbox_event

pytestmark = pytest.mark.redis


def _state(engine: Engine) -> dict[str, Any]:
    with engine.connect() as connection:
        row = connection.execute(select(t.webhook_events.c.processed_at,
                                        t.webhook_events.c.attempts)).one()
        enrolled = connection.execute(select(func.count()).select_from(t.enrollments)).scalar()
        audited = connection.execute(select(func.count()).select_from(t.audit_log).where(
            t.audit_log.c.action == "payment.succeeded")).scalar()
    return {"processed": row.processed_at is not None, "attempts": row.attempts,
            "enrollments": enrolled, "succeeded_audits": audited}


def test_a_worker_killed_mid_processing_leaves_the_event_to_be_processed_once(
    tmp_path: Path, database_url: str, redis_url: str, engine: Engine
) -> None:
    overrides = {"REDIS_URL": redis_url, "EDUPORT_QUEUE": f"crash-{uuid.uuid4().hex[:8]}",
                 "WEBHOOK_PROCESSING_LEASE_SECONDS": "2", "OUTBOX_RELAY_GRACE_SECONDS": "0",
                 "OUTBOX_RELAY_INTERVAL_SECONDS": "1"}
    settings = make_settings(tmp_path, database_url, **overrides)
    client = create_app(build_injector(settings), settings).test_client()
    register(client, "grace@example.test", "teacher")
    register(client, "alan@example.test", "student")
    grace = bearer(login(client, "grace@example.test").get_json()["access_token"])
    alan = bearer(login(client, "alan@example.test").get_json()["access_token"])
    course = paid_course(client, grace)
    payment = buy(client, alan, course).get_json()
    with engine.connect() as connection:
        reference = connection.execute(select(t.payments.c.provider_reference)).scalar_one()
    _pay_silently(engine, reference)
    body, headers = sandbox_event(settings, reference, payment["payment_id"], "evt_crash")
    assert deliver(client, "sandbox", body, headers).status_code == 200

    env = {**os.environ, "DATABASE_URL": database_url, "JWT_SECRET": JWT_SECRET,
           "EDUPORT_DATA_DIR": str(tmp_path), "LOG_LEVEL": "WARNING", "LOG_FORMAT": "text",
           "EDUPORT_ENV": "test", **overrides}
    module = [sys.executable, "-m", "tests.integration.webhook_processes"]
    subprocess.run([*module, "dying-worker"], env=env, capture_output=True, timeout=120,
                   check=False)
    assert _state(engine) == {"processed": False, "attempts": 1, "enrollments": 0,
                              "succeeded_audits": 0}

    worker = subprocess.Popen([*module, "worker"], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not _state(engine)["processed"]:
            time.sleep(0.3)
        time.sleep(3)  # more relay rounds and RQ retries: nothing may be applied twice
    finally:
        worker.terminate()
        _, errors = worker.communicate(timeout=30)
    final = _state(engine)
    assert final["processed"], errors.decode()[-3000:]
    assert final["enrollments"] == 1 and final["succeeded_audits"] == 1
