"""Institutions' signed requests are limited per institution (``RATE_LIMIT_INSTITUTION_SYNC``,
100 a minute by default; 3 here), on SQLite and PostgreSQL: past it the sync webhook answers
429 with Retry-After, and so do alerts, counted on their own; another institution's portal
is not held up."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from standardwebhooks.webhooks import Webhook

from adapters.settings import Settings
from tests.conftest import make_settings
from tests.driver import assert_problem, deliver, sign_up_admin
from tests.integration.institutions.driver import institution


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return make_settings(tmp_path, database_url, RATE_LIMIT_INSTITUTION_SYNC="3 per minute")


def report(client: Any, found: dict[str, Any], message_id: str, value: int) -> Any:
    data = json.dumps({"institution_id": found["id"], "metric": "students", "value": value})
    now = datetime.now(UTC)
    return deliver(client, "institution-sync", data.encode(), {
        "webhook-id": message_id, "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": Webhook(found["secret"]).sign(message_id, now, data)})


def test_each_institution_has_its_own_allowance(client: Any, injector: Any) -> None:
    root = sign_up_admin(client, injector)
    cairo = institution(client, root, "cu.example.edu")
    alex = institution(client, root, "alex.example.edu")
    assert [report(client, cairo, f"c{n}", n).status_code for n in range(3)] == [200] * 3
    limited = report(client, cairo, "c3", 3)
    assert_problem(limited, 429)
    assert int(limited.headers["Retry-After"]) > 0
    assert report(client, alex, "a0", 1).status_code == 200
    # Alerts are counted on their own: the sync reports spent none of theirs.
    assert [raise_alert(client, cairo, f"x{n}").status_code for n in range(4)] == [
        201, 201, 201, 429]


def raise_alert(client: Any, found: dict[str, Any], message_id: str) -> Any:
    alert = json.dumps({"institution_id": found["id"], "type": "storage", "message": "Full"})
    now = datetime.now(UTC)
    return client.post("/admin/alerts", data=alert, content_type="application/json", headers={
        "webhook-id": message_id, "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": Webhook(found["secret"]).sign(message_id, now, alert)})
