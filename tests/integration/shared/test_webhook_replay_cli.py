"""`eduport webhooks replay`: failed deliveries stay visible and can be re-run."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, delete, insert, select

from adapters.outbound.persistence import tables as t
from bootstrap import build_injector, create_app
from tests.conftest import JWT_SECRET, make_settings
from tests.driver import bearer, deliver, login, paid_course, register
from tests.integration.payments.test_payments_http import _pay_silently, buy, sandbox_event


def eduport(tmp_path: Path, database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": database_url, "JWT_SECRET": JWT_SECRET,
           "EDUPORT_DATA_DIR": str(tmp_path), "LOG_LEVEL": "WARNING", "LOG_FORMAT": "text"}
    env.pop("REDIS_URL", None)
    return subprocess.run([sys.executable, "-c", "import bootstrap; bootstrap.main()", *args],
                          env=env, capture_output=True, text=True, timeout=120, check=False)


def test_a_failed_delivery_is_replayed_from_the_command_line(
    tmp_path: Path, database_url: str, engine: Engine
) -> None:
    settings = make_settings(tmp_path, database_url)
    client = create_app(build_injector(settings), settings).test_client()
    register(client, "grace@example.test", "teacher")
    register(client, "alan@example.test", "student")
    grace = bearer(login(client, "grace@example.test").get_json()["access_token"])
    alan = bearer(login(client, "alan@example.test").get_json()["access_token"])
    payment = buy(client, alan, paid_course(client, grace)).get_json()
    with engine.connect() as connection:
        reference = connection.execute(select(t.payments.c.provider_reference)).scalar_one()
    _pay_silently(engine, reference)
    with engine.begin() as connection:
        saved: dict[str, Any] = dict(connection.execute(select(t.sandbox_payments)).mappings()
                                     .one())
        # The provider cannot find the payment for a while: processing fails.
        connection.execute(delete(t.sandbox_payments))
    body, headers = sandbox_event(settings, reference, payment["payment_id"], "evt_replay")
    assert deliver(client, "sandbox", body, headers).status_code == 200
    with engine.connect() as connection:
        failed = connection.execute(select(t.webhook_events)).mappings().one()
    assert failed["processed_at"] is None and "GatewayDeclined" in failed["last_error"]

    usage = eduport(tmp_path, database_url, "webhooks", "replay")
    assert usage.returncode != 0 and "--failed" in usage.stderr
    unknown = eduport(tmp_path, database_url, "webhooks", "replay", "--id", "nope")
    assert unknown.returncode != 0 and "no webhook delivery nope" in unknown.stderr

    with engine.begin() as connection:
        connection.execute(insert(t.sandbox_payments).values(**saved))
    replayed = eduport(tmp_path, database_url, "webhooks", "replay", "--failed")
    assert replayed.returncode == 0, replayed.stderr
    assert f"{failed['id']}: succeeded" in replayed.stdout
    assert "replayed 1 delivery" in replayed.stdout
    assert len(client.get("/me/enrollments", headers=alan).get_json()) == 1
    nothing = eduport(tmp_path, database_url, "webhooks", "replay", "--failed")
    assert "replayed 0 deliveries" in nothing.stdout
