"""The reminder ladder on the embedded default, on SQLite and PostgreSQL: an unpaid invoice
gets each step's reminder once, from 09:00 (here UTC), the steps a stopped cron missed
recorded rather than sent together; after the last step the institution is flagged past
due with a critical alert, and deactivated only when the policy says so."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from adapters.inbound.worker.jobs import run_job
from adapters.settings import Settings
from adapters.wiring.messaging import MessagingSettings
from application.institutions.generate_invoices import GenerateInvoices
from domain.institutions.invoices import previous_period
from tests.conftest import make_settings
from tests.driver import create_admin, log_in
from tests.integration.institutions.driver import institution
from tests.integration.institutions.test_invoices_cli import report
from tests.integration.mail import body, messages
from tests.unit.shared.fakes import FakeClock

pytestmark = pytest.mark.clocked  # time moves when the test says


@pytest.fixture
def settings(tmp_path: Path, database_url: str, request: pytest.FixtureRequest) -> Settings:
    suspend = "true" if "suspended" in request.node.name else "false"
    return make_settings(tmp_path, database_url, INVOICE_SEAT_PRICE_MINOR="150",
                         INVOICE_DAYS_UNTIL_DUE="30", DUNNING_LADDER_DAYS="3,7,14",
                         DUNNING_SUSPEND=suspend)


def invoiced(client: Any, injector: Any, clock: FakeClock) -> tuple[dict[str, str], Any]:
    create_admin(injector, "root@example.test", "Root")
    root = log_in(client, "root@example.test")
    cairo = institution(client, root, "cu.example.edu")
    report(client, cairo, "students", 100)
    assert injector.get(GenerateInvoices)(previous_period(clock.now().date())).invoiced == 1
    return root, cairo


def reminders(settings: Settings) -> list[str]:
    folder = Path(settings.section(MessagingSettings).outbox_dir)
    return [body(m) for m in messages(folder) if m["To"] == "it@cu.example.edu"
            and str(m["Subject"]).startswith("Reminder:")]


def on_day(clock: FakeClock, start: Any, days: int, hour: int = 10) -> None:
    clock.current = (start + timedelta(days=days)).replace(hour=hour, minute=0)


def test_each_step_once_then_past_due(client: Any, injector: Any, settings: Settings,
                                      clock: FakeClock) -> None:
    root, cairo = invoiced(client, injector, clock)
    issued = clock.now()
    on_day(clock, issued, 30 + 2)
    assert run_job(injector, "chase_overdue_invoices") == 0  # not 3 days past due yet
    on_day(clock, issued, 30 + 4, hour=8)
    assert run_job(injector, "chase_overdue_invoices") == 0  # before 09:00
    on_day(clock, issued, 30 + 4)
    assert run_job(injector, "chase_overdue_invoices") == 1
    assert run_job(injector, "chase_overdue_invoices") == 0  # each step once
    [first] = reminders(settings)
    assert "3 days past due" in first
    on_day(clock, issued, 30 + 15)  # the cron stopped over the 7th day
    assert run_job(injector, "chase_overdue_invoices") == 1
    assert [("14 days" in text) for text in reminders(settings)].count(True) == 1
    assert len(reminders(settings)) == 2  # the missed step was not sent late
    root = log_in(client, "root@example.test")
    shown = client.get(f"/admin/institutions/{cairo['id']}", headers=root).get_json()
    assert shown["past_due_since"] and shown["status"] == "active"
    [alert] = client.get("/admin/alerts", headers=root).get_json()
    assert (alert["type"], alert["severity"], alert["source"]) == ("past_due", "critical",
                                                                  "platform")
    assert run_job(injector, "chase_overdue_invoices") == 0


def test_past_due_institutions_are_suspended_when_the_policy_says(
        client: Any, injector: Any, settings: Settings, clock: FakeClock) -> None:
    root, cairo = invoiced(client, injector, clock)
    on_day(clock, clock.now(), 30 + 15)
    assert run_job(injector, "chase_overdue_invoices") == 1
    root = log_in(client, "root@example.test")
    assert client.get(f"/admin/institutions/{cairo['id']}", headers=root).get_json()[
        "status"] == "inactive"
