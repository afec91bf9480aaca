"""What every ``Invoicing`` promises, run against eduport's own billing and against Stripe
through the SDK and the local fake: an issued invoice per key, the same one again for the
same key (a rerun after a crash)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from adapters.outbound.institutions.billing import (
    LocalInvoicing,
    StripeBillingCustomers,
    StripeInvoicing,
)
from adapters.outbound.payments.stripe import build_stripe_client
from application.institutions.ports import CustomerRequest, Invoicing
from domain.institutions.invoices import Invoice, InvoiceLine, LineKind
from tests.contracts import Contract
from tests.vendor_servers.stripe_server import FakeStripe

SECRET = "sk_test_contract_invoicing"
INVOICING = Contract(Invoicing, {"local": LocalInvoicing, "stripe": StripeInvoicing})
INVOICE = Invoice("inv-1", "inst-1", "2026-11", "USD", (
    InvoiceLine(LineKind.SEATS, "Seats, 2026-11: 120 students", 120, 150),
    InvoiceLine(LineKind.STORAGE, "Storage above the quota, 2026-11 (GB)", 2, 2_000)),
    datetime(2026, 12, 1, tzinfo=UTC))


@pytest.fixture(scope="module")
def stripe_server() -> Iterator[FakeStripe]:
    with FakeStripe(api_key=SECRET) as server:
        yield server


@pytest.fixture(params=INVOICING.params())
def invoicing(request: pytest.FixtureRequest, stripe_server: FakeStripe) -> dict[str, Any]:
    if request.param == "local":
        return {"customer": "local_inst-1", "invoicing": INVOICING.build("local", LocalInvoicing)}
    client = build_stripe_client(SECRET, stripe_server.url, 5)
    customer = StripeBillingCustomers(client).create_customer(
        CustomerRequest("inst-1", "Cairo University", "it@cu.example.edu"), "c:inst-1")
    return {"customer": customer,
            "invoicing": INVOICING.build("stripe", lambda: StripeInvoicing(client))}


def test_an_invoice_is_issued_once_per_key(invoicing: dict[str, Any]) -> None:
    issuer: Invoicing = invoicing["invoicing"]
    first = issuer.issue(invoicing["customer"], INVOICE, "invoice:inst-1:2026-11")
    assert first.provider_invoice_id
    again = issuer.issue(invoicing["customer"], INVOICE, "invoice:inst-1:2026-11")
    assert again.provider_invoice_id == first.provider_invoice_id
    assert INVOICE.total == 22_000
