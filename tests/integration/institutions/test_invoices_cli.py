"""``eduport invoices generate --period YYYY-MM`` on the embedded default (eduport bills
institutions itself), on SQLite and PostgreSQL: every active institution with something to
bill gets one invoice for the month (seats from its reported students, storage above its
quota, at the configured prices, in integer minor units), emailed to its primary address;
running again bills nothing twice; a month not over is refused and bills nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from standardwebhooks.webhooks import Webhook

from adapters.settings import Settings
from adapters.wiring.messaging import MessagingSettings
from domain.institutions.invoices import previous_period
from tests.conftest import JWT_SECRET, make_settings
from tests.driver import deliver, sign_up_admin
from tests.integration.institutions.driver import admin_of, institution
from tests.integration.mail import body, messages

PRICES = {"INVOICE_SEAT_PRICE_MINOR": "150", "INVOICE_STORAGE_GB_PRICE_MINOR": "2000",
          "INVOICE_CURRENCY": "EUR"}


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return make_settings(tmp_path, database_url, **PRICES)


def eduport(tmp_path: Path, database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": database_url, "JWT_SECRET": JWT_SECRET,
           "EDUPORT_DATA_DIR": str(tmp_path), "LOG_LEVEL": "WARNING", "LOG_FORMAT": "text",
           "FRONTEND_URL": "https://app.example.test", **PRICES}
    env.pop("REDIS_URL", None)
    return subprocess.run([sys.executable, "-c", "import bootstrap; bootstrap.main()", *args],
                          env=env, capture_output=True, text=True, timeout=120, check=False)


def report(client: Any, found: dict[str, Any], metric: str, value: int) -> None:
    data = json.dumps({"institution_id": found["id"], "metric": metric, "value": value})
    now, message_id = datetime.now(UTC), f"{found['id']}:{metric}"
    answer = deliver(client, "institution-sync", data.encode(), {
        "webhook-id": message_id, "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": Webhook(found["secret"]).sign(message_id, now, data)})
    assert answer.status_code == 200, answer.get_data(as_text=True)


def last_month() -> str:
    return previous_period(datetime.now(UTC).date())


def test_a_month_is_invoiced_once_even_when_run_twice(
        client: Any, injector: Any, settings: Settings, tmp_path: Path,
        database_url: str) -> None:
    root = sign_up_admin(client, injector)
    cairo = institution(client, root, "cu.example.edu")  # a quota of 10^9 bytes
    alex = institution(client, root, "alex.example.edu")
    institution(client, root, "idle.example.edu")  # nothing reported: nothing to bill
    report(client, cairo, "students", 12_000)
    report(client, cairo, "storage", 3_500_000_000)  # 2.5 GB above: 3 GB billed
    report(client, alex, "students", 40)
    period = last_month()

    first = eduport(tmp_path, database_url, "invoices", "generate", "--period", period)
    assert first.returncode == 0, first.stdout + first.stderr
    assert f"{period}: 2 invoiced, 1 skipped, 0 failed" in first.stdout
    again = eduport(tmp_path, database_url, "invoices", "generate", "--period", period)
    assert again.returncode == 0, again.stdout + again.stderr
    assert f"{period}: 0 invoiced, 3 skipped, 0 failed" in again.stdout

    dina, _ = admin_of(client, root, cairo, "Dina Adel")
    [invoice] = client.get("/institution/invoices", headers=dina).get_json()
    assert (invoice["period"], invoice["currency"], invoice["status"]) == (period, "EUR",
                                                                          "open")
    assert [(line["kind"], line["quantity"], line["amount"]) for line in invoice["lines"]] == [
        ("seats", 12_000, 1_800_000), ("storage", 3, 6_000)]
    assert invoice["total"] == 1_806_000
    folder = Path(settings.section(MessagingSettings).outbox_dir)
    [mail] = [m for m in messages(folder) if m["To"] == "it@cu.example.edu"
              and m["Subject"] == f"Invoice for Cu, {period}"]
    assert "comes to 18,060.00 EUR" in body(mail)
    assert len(client.get(f"/admin/institutions/{alex['id']}/invoices",
                          headers=root).get_json()) == 1


def test_a_month_not_over_is_refused(tmp_path: Path, database_url: str) -> None:
    this_month = datetime.now(UTC).strftime("%Y-%m")
    for period in (this_month, "2999-01", "2026-13", "last month"):
        refused = eduport(tmp_path, database_url, "invoices", "generate", "--period", period)
        assert refused.returncode == 2, refused.stdout + refused.stderr
        assert "only past months" in refused.stderr or "YYYY-MM" in refused.stderr
