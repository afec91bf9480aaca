"""Subscriptions at Stripe, through the public API and the official SDK against the local
fake of Stripe, on SQLite and PostgreSQL: the admin subscribes the institution
(``default_incomplete``: the first invoice's client secret comes back); Stripe's
subscription events, delivered to the billing endpoint out of order and twice, leave our
copy in Stripe's current state and tell the admins once per change; a plan without a price
subscribes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from adapters.settings import Settings
from adapters.wiring.messaging import MessagingSettings
from tests.conftest import make_settings
from tests.driver import assert_problem, deliver, sign_up_admin
from tests.integration.institutions.driver import admin_of, institution
from tests.integration.mail import messages
from tests.vendor_servers.stripe_server import FakeStripe

SECRET, BILLING_SECRET = "sk_test_subscriptions", "whsec_billing_subscriptions"


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeStripe]:
    with FakeStripe(api_key=SECRET) as server:
        server.add_price("price_basic_monthly", unit_amount=49_900, currency="usd",
                         recurring_interval="month")
        yield server


@pytest.fixture
def settings(tmp_path: Path, database_url: str, fake: FakeStripe) -> Settings:
    fake.clear_faults()
    fake.clear_log()
    fake.take_events()
    return make_settings(tmp_path, database_url, STRIPE_SECRET=SECRET,
                         STRIPE_API_BASE=fake.url, STRIPE_TIMEOUT_SECONDS="2",
                         STRIPE_BILLING_WEBHOOK_SECRET=BILLING_SECRET,
                         INSTITUTION_PLAN_PRICES="basic:price_basic_monthly")


def test_stripe_events_in_any_order_leave_the_subscription_as_stripe_has_it(
        client: Any, injector: Any, settings: Settings, fake: FakeStripe) -> None:
    root = sign_up_admin(client, injector)
    cairo = institution(client, root, "cu.example.edu")
    dina, dina_email = admin_of(client, root, cairo, "Dina Adel")
    subscribed = client.post("/institution/subscription", headers=dina)
    assert subscribed.status_code == 201, subscribed.get_data(as_text=True)
    answer = subscribed.get_json()
    assert answer["client_secret"] and (answer["amount_due"], answer["currency"]) == (
        49_900, "USD")
    subscription = answer["subscription"]
    assert (subscription["provider"], subscription["status"]) == ("stripe", "incomplete")
    sent = fake.subscription(subscription["id"])
    assert sent["metadata"] == {"institution_id": cairo["id"]}

    fake.pay_invoice(sent["latest_invoice"])  # the client confirmed the payment
    events = fake.take_events("customer.subscription.created",
                              "customer.subscription.updated")
    assert len(events) >= 2
    answers = FakeStripe.deliver_events(
        events, lambda body, headers: deliver(client, "stripe-billing", body, headers),
        BILLING_SECRET, order="reversed", times=2)
    assert all(a.status_code == 200 for a in answers)
    assert client.get("/institution/subscription", headers=dina).get_json()[
        "status"] == "active"
    folder = Path(settings.section(MessagingSettings).outbox_dir)
    told = [m for m in messages(folder) if m["To"] == dina_email
            and m["Subject"] == "The subscription of Cu changed"]
    assert len(told) == 1  # incomplete to active, however many events said so

    cancelled = client.delete("/institution/subscription?at_period_end=false", headers=dina)
    assert cancelled.status_code == 200 and cancelled.get_json()["status"] == "canceled"
    assert fake.subscription(subscription["id"])["status"] == "canceled"
    late = fake.take_events("customer.subscription.updated")[:1] or events[:1]
    FakeStripe.deliver_events(late, lambda body, headers: deliver(
        client, "stripe-billing", body, headers), BILLING_SECRET)
    assert client.get("/institution/subscription", headers=dina).get_json()[
        "status"] == "canceled"  # an older event re-fetches: Stripe says cancelled


def test_a_plan_without_a_price_and_a_forged_event_change_nothing(
        client: Any, injector: Any, fake: FakeStripe) -> None:
    root = sign_up_admin(client, injector)
    cairo = institution(client, root, "cu.example.edu")
    client.patch(f"/admin/institutions/{cairo['id']}", headers=root, json={"plan": "pro"})
    dina, _ = admin_of(client, root, cairo, "Dina Adel")
    problem = assert_problem(client.post("/institution/subscription", headers=dina), 409)
    assert "no price" in problem["detail"]
    assert [r for r in fake.requests if r.path == "/v1/subscriptions"] == []
    forged = deliver(client, "stripe-billing", b'{"id": "evt_1", "type": '
                     b'"customer.subscription.updated"}', {"Stripe-Signature": "t=1,v1=00"})
    assert_problem(forged, 400)
    assert_problem(client.get("/institution/subscription", headers=dina), 404)
