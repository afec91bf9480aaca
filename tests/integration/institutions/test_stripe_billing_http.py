"""Institutions' billing customers at Stripe, through the public API and the official SDK
against the local fake of Stripe, on SQLite and PostgreSQL: a new institution gets one
customer with its id in the metadata, whatever retries; Stripe being down delays the
customer (the creation is not refused) until the outbox's retry; the adapter maps Stripe's
answers to what the port promises."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from adapters.outbound.institutions.billing import StripeBillingCustomers
from adapters.outbound.payments.stripe import build_stripe_client
from adapters.settings import Settings
from application.institutions.ports import CustomerRequest
from application.shared.errors import DeliveryFailed
from application.shared.relay_outbox import RelayOutbox
from tests.conftest import make_settings
from tests.driver import sign_up_admin
from tests.unit.shared.fakes import FakeClock
from tests.vendor_servers.base import closed_port
from tests.vendor_servers.stripe_server import FakeStripe

SECRET = "sk_test_institutions"
CAIRO = {"name": "Cairo University", "primary_email": "billing@cu.example.edu",
         "domain": "cu.example.edu", "plan": "pro", "storage_quota_bytes": 10**10}


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeStripe]:
    with FakeStripe(api_key=SECRET) as server:
        yield server


@pytest.fixture
def settings(tmp_path: Path, database_url: str, fake: FakeStripe) -> Settings:
    fake.clear_faults()
    fake.clear_log()
    return make_settings(tmp_path, database_url, STRIPE_SECRET=SECRET,
                         STRIPE_API_BASE=fake.url, STRIPE_TIMEOUT_SECONDS="1")


def customer_calls(fake: FakeStripe) -> list[Any]:
    return [r for r in fake.requests if r.method == "POST" and r.path == "/v1/customers"]


def test_a_new_institution_gets_one_stripe_customer(client: Any, injector: Any,
                                                     fake: FakeStripe) -> None:
    root = sign_up_admin(client, injector)
    created = client.post("/admin/institutions", headers=root, json=CAIRO).get_json()
    found = client.get(f"/admin/institutions/{created['id']}", headers=root).get_json()
    customer_id = found["billing_customer_id"]
    assert customer_id.startswith("cus_")
    customer = fake.customer(customer_id)
    assert (customer["name"], customer["email"]) == ("Cairo University",
                                                     "billing@cu.example.edu")
    assert customer["metadata"] == {"institution_id": created["id"]}
    [call] = customer_calls(fake)
    assert call.headers["Idempotency-Key"] == f"institution-customer:{created['id']}"


@pytest.mark.clocked
def test_stripe_down_delays_the_customer_until_the_retry(
        client: Any, injector: Any, fake: FakeStripe, clock: FakeClock) -> None:
    root = sign_up_admin(client, injector)
    fake.fail_next(1, 503)
    created = client.post("/admin/institutions", headers=root, json=CAIRO)
    assert created.status_code == 201, created.get_data(as_text=True)
    institution = created.get_json()
    path = f"/admin/institutions/{institution['id']}"
    assert client.get(path, headers=root).get_json()["billing_customer_id"] is None
    clock.advance(minutes=5)
    assert injector.get(RelayOutbox)().redispatched
    # five minutes on: still within the session's lifetime
    customer_id = client.get(path, headers=root).get_json()["billing_customer_id"]
    assert customer_id.startswith("cus_")
    assert len(customer_calls(fake)) == 2  # the failed one and the retry, one customer made
    assert fake.customer(customer_id)["metadata"] == {"institution_id": institution["id"]}


def test_the_same_key_makes_one_customer_and_failures_are_retried_later(
        fake: FakeStripe) -> None:
    customers = StripeBillingCustomers(build_stripe_client(SECRET, fake.url, 1))
    request = CustomerRequest("inst-1", "Alexandria University", "billing@alex.example.edu")
    first = customers.create_customer(request, "institution-customer:inst-1")
    assert customers.create_customer(request, "institution-customer:inst-1") == first
    for status in (429, 500, 401):
        fake.fail_next(1, status)
        with pytest.raises(DeliveryFailed):
            customers.create_customer(request, "institution-customer:inst-2")
    wrong_key = StripeBillingCustomers(build_stripe_client("sk_test_wrong", fake.url, 1))
    with pytest.raises(DeliveryFailed):
        wrong_key.create_customer(request, "institution-customer:inst-3")
    nowhere = StripeBillingCustomers(build_stripe_client(
        SECRET, f"http://127.0.0.1:{closed_port()}", 1))
    with pytest.raises(DeliveryFailed):
        nowhere.create_customer(request, "institution-customer:inst-4")
