"""What every ``BillingCustomers`` promises, run against eduport's own billing and against
Stripe's customers through the SDK and the local fake of Stripe: a customer id for the
institution, the same one for the same key, another for another institution."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from adapters.outbound.institutions.billing import LocalBillingCustomers, StripeBillingCustomers
from adapters.outbound.payments.stripe import build_stripe_client
from application.institutions.ports import BillingCustomers, CustomerRequest
from tests.contracts import Contract
from tests.vendor_servers.stripe_server import FakeStripe

SECRET = "sk_test_contract_billing"
CUSTOMERS = Contract(BillingCustomers, {"local": LocalBillingCustomers,
                                        "stripe": StripeBillingCustomers})
CAIRO = CustomerRequest("inst-cairo", "Cairo University", "billing@cu.example.edu")
ALEX = CustomerRequest("inst-alex", "Alexandria University", "billing@alex.example.edu")


@pytest.fixture(scope="module")
def stripe_server() -> Iterator[FakeStripe]:
    with FakeStripe(api_key=SECRET) as server:
        yield server


@pytest.fixture(params=CUSTOMERS.params())
def customers(request: pytest.FixtureRequest, stripe_server: FakeStripe) -> Any:
    makers = {"local": LocalBillingCustomers,
              "stripe": lambda: StripeBillingCustomers(build_stripe_client(
                  SECRET, stripe_server.url, 5))}
    return CUSTOMERS.build(request.param, makers[request.param])


def test_a_customer_is_made_once_per_key(customers: BillingCustomers) -> None:
    first = customers.create_customer(CAIRO, f"contract:{CAIRO.institution_id}")
    assert isinstance(first, str) and 0 < len(first) <= 64
    assert customers.create_customer(CAIRO, f"contract:{CAIRO.institution_id}") == first
    other = customers.create_customer(ALEX, f"contract:{ALEX.institution_id}")
    assert other != first
    assert customers.provider in ("local", "stripe")
