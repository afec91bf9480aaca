"""Subscriptions on the embedded default (eduport bills institutions itself), on SQLite and
PostgreSQL: an institution's admin subscribes it (active at once, nothing to pay now), one
subscription at a time; cancelled for the end of the period, it ends then (the cron), and
the admins are told of each change of status."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from adapters.inbound.worker.jobs import run_job
from adapters.settings import Settings
from adapters.wiring.messaging import MessagingSettings
from tests.driver import assert_problem, create_admin, log_in
from tests.integration.institutions.driver import admin_of, institution
from tests.integration.mail import messages
from tests.unit.shared.fakes import FakeClock

pytestmark = pytest.mark.clocked  # time moves when the test says


def test_a_local_subscription_runs_month_by_month_until_cancelled(
        client: Any, injector: Any, settings: Settings, clock: FakeClock) -> None:
    create_admin(injector, "root@example.test", "Root")
    root = log_in(client, "root@example.test")
    cairo = institution(client, root, "cu.example.edu")
    dina, dina_email = admin_of(client, root, cairo, "Dina Adel")
    assert_problem(client.get("/institution/subscription", headers=dina), 404)
    subscribed = client.post("/institution/subscription", headers=dina)
    assert subscribed.status_code == 201, subscribed.get_data(as_text=True)
    answer = subscribed.get_json()
    assert answer["client_secret"] is None and answer["amount_due"] is None
    subscription = answer["subscription"]
    assert (subscription["provider"], subscription["plan"], subscription["status"]) == (
        "local", "basic", "active")
    assert_problem(client.post("/institution/subscription", headers=dina), 409)

    clock.advance(days=32)  # a month on: the next period starts
    assert run_job(injector, "roll_local_subscriptions") == 1
    dina = log_in(client, dina_email)
    rolled = client.get("/institution/subscription", headers=dina).get_json()
    assert rolled["status"] == "active" and rolled["current_period_end"] > subscription[
        "current_period_end"]
    cancelled = client.delete("/institution/subscription", headers=dina)
    assert cancelled.status_code == 200, cancelled.get_data(as_text=True)
    assert (cancelled.get_json()["status"], cancelled.get_json()["cancel_at_period_end"]) == (
        "active", True)
    assert run_job(injector, "roll_local_subscriptions") == 0  # the period is not over
    clock.advance(days=32)
    assert run_job(injector, "roll_local_subscriptions") == 1
    dina = log_in(client, dina_email)
    assert client.get("/institution/subscription", headers=dina).get_json()[
        "status"] == "canceled"
    folder = Path(settings.section(MessagingSettings).outbox_dir)
    told = [m for m in messages(folder) if m["To"] == dina_email
            and m["Subject"] == "The subscription of Cu changed"]
    assert len(told) == 1  # active to cancelled; the renewal changed no status
    assert_problem(client.delete("/institution/subscription", headers=dina), 404)
    again = client.post("/institution/subscription", headers=dina)
    assert again.status_code == 201 and again.get_json()["subscription"]["id"] != \
        subscription["id"]
