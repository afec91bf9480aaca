"""What every ``BillingSubscriptions`` promises, run against eduport's own billing and
against Stripe through the SDK and the local fake: a subscription per key, in a status
Stripe names, cancelled now or at the end of its period."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from adapters.outbound.institutions.billing import (
    LocalBillingSubscriptions,
    StripeBillingCustomers,
    StripeBillingSubscriptions,
)
from adapters.outbound.payments.stripe import build_stripe_client
from application.institutions.ports import BillingSubscriptions, CustomerRequest
from domain.institutions.subscriptions import SubscriptionStatus
from tests.contracts import Contract
from tests.unit.shared.fakes import FakeClock
from tests.vendor_servers.stripe_server import FakeStripe

SECRET = "sk_test_contract_subscriptions"
SUBSCRIPTIONS = Contract(BillingSubscriptions, {"local": LocalBillingSubscriptions,
                                                "stripe": StripeBillingSubscriptions})


@pytest.fixture(scope="module")
def stripe_server() -> Iterator[FakeStripe]:
    with FakeStripe(api_key=SECRET) as server:
        server.add_price("price_basic", unit_amount=1_000, currency="usd",
                         recurring_interval="month")
        yield server


@pytest.fixture(params=SUBSCRIPTIONS.params())
def billing(request: pytest.FixtureRequest, stripe_server: FakeStripe) -> dict[str, Any]:
    client = build_stripe_client(SECRET, stripe_server.url, 5)
    if request.param == "stripe":
        customer = StripeBillingCustomers(client).create_customer(
            CustomerRequest("inst-1", "Cairo University", "it@cu.example.edu"), "c:inst-1")
        return {"customer": customer, "price": "price_basic", "subscriptions":
                SUBSCRIPTIONS.build("stripe", lambda: StripeBillingSubscriptions(client))}
    clock = FakeClock(datetime(2026, 1, 31, 9, 0, tzinfo=UTC))
    return {"customer": "local_inst-1", "price": "basic", "subscriptions":
            SUBSCRIPTIONS.build("local", lambda: LocalBillingSubscriptions(clock))}


def test_one_subscription_per_key_cancelled_at_period_end_or_now(
        billing: dict[str, Any]) -> None:
    subscriptions: BillingSubscriptions = billing["subscriptions"]
    first = subscriptions.subscribe(billing["customer"], billing["price"], "inst-1", "k:1")
    assert first.status in SubscriptionStatus._value2member_map_
    assert first.current_period_end is not None and first.current_period_end.tzinfo
    assert subscriptions.subscribe(billing["customer"], billing["price"], "inst-1",
                                   "k:1").provider_id == first.provider_id
    later = subscriptions.cancel(first.provider_id, at_period_end=True)
    assert later.cancel_at_period_end and later.status != "canceled"
    now = subscriptions.cancel(first.provider_id, at_period_end=False)
    assert now.status == "canceled"


def test_a_month_is_a_calendar_month() -> None:
    from domain.institutions.subscriptions import next_period_end

    assert next_period_end(datetime(2026, 1, 31, tzinfo=UTC)) == datetime(2026, 2, 28,
                                                                          tzinfo=UTC)
    assert next_period_end(datetime(2026, 12, 15, tzinfo=UTC)) == datetime(2027, 1, 15,
                                                                           tzinfo=UTC)
