"""The payment ports' contracts, run against the fake the unit tests use and every real
adapter: if the fake drifts from the adapters, these fail."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine

from adapters.outbound.payments.paypal import PayPalPaymentGateway
from adapters.outbound.payments.sandbox import SandboxPaymentGateway
from adapters.outbound.payments.stripe import StripePaymentGateway
from application.payments.ports import PaymentGateway, PaymentRequest
from domain.shared.money import Money
from tests.contracts import Contract
from tests.unit.payments.fakes import FakePaymentGateway
from tests.unit.shared.fakes import FakeClock

# --- PaymentGateway --------------------------------------------------------------------------

AMOUNT = Money(4200, "USD")
EXPIRES = (datetime.now(UTC) + timedelta(hours=1)).replace(microsecond=0)


class Provider:
    """A gateway plus what a buyer does to pay at that provider."""

    def __init__(self, gateway: Any, flow: str, pay: Callable[[str], None],
                 method: str | None = None) -> None:
        self.gateway, self.flow, self.pay, self.method = gateway, flow, pay, method


def request(provider: Provider, key: str) -> PaymentRequest:
    payment_id = key.split(":")[1]  # ids and the key belong together, as in eduport
    return PaymentRequest(
        payment_id, f"order-{payment_id}", provider.flow, AMOUNT, (), "Compilers",
        "alan@example.test", "https://app.example.test/ok", "https://app.example.test/cancel",
        EXPIRES, key, provider.method)


GATEWAY = Contract(PaymentGateway, {"fake": FakePaymentGateway, "sandbox": SandboxPaymentGateway,
                                     "stripe": StripePaymentGateway,
                                     "paypal": PayPalPaymentGateway})


@pytest.fixture(params=GATEWAY.params())
def provider(request: pytest.FixtureRequest) -> Iterator[Provider]:
    with ExitStack() as stack:
        found = _provider(request.param, stack, request)
        GATEWAY.build(request.param, lambda: found.gateway)
        yield found


def _provider(name: str, stack: ExitStack, request: pytest.FixtureRequest) -> Provider:
    if name == "fake":
        fake = FakePaymentGateway()
        return Provider(fake, "fake", fake.succeed)
    if name == "sandbox":
        from adapters.outbound.payments.sandbox import SandboxPaymentGateway

        engine: Engine = request.getfixturevalue("contract_engine")
        sandbox = SandboxPaymentGateway(engine, FakeClock(datetime.now(UTC)), "s" * 32,
                                        lambda body, headers: None)
        return Provider(sandbox, "sandbox", lambda ref: None, "pm_card_visa")
    if name == "stripe":
        from adapters.outbound.payments.stripe import StripePaymentGateway, build_stripe_client
        from tests.vendor_servers.stripe_server import FakeStripe

        server = stack.enter_context(FakeStripe(api_key="sk_test_contract"))
        gateway = StripePaymentGateway(build_stripe_client("sk_test_contract", server.url))
        return Provider(gateway, "payment_intent", server.succeed_payment_intent)
    from adapters.outbound.payments.paypal import PayPalPaymentGateway, build_paypal_api
    from tests.vendor_servers.paypal_server import FakePayPal

    paypal = stack.enter_context(FakePayPal())
    api = build_paypal_api("sandbox", paypal.client_id, paypal.client_secret,
                           api_base=paypal.url)
    return Provider(PayPalPaymentGateway(api), "paypal_order", paypal.approve)


def test_gateway_contract_open_pay_settle_refund(provider: Provider) -> None:
    gateway = provider.gateway
    assert gateway.supports("USD")
    key = f"payment:{uuid.uuid4()}:create"
    opened = gateway.start(request(provider, key))
    again = gateway.start(request(provider, key))
    assert again.reference == opened.reference  # the same key never opens a second payment
    assert gateway.fetch(opened.reference).status == "pending"

    provider.pay(opened.reference)
    paid = gateway.complete(opened.reference, f"{key}:complete")
    assert paid.status == "succeeded" and paid.received == AMOUNT
    assert gateway.complete(opened.reference, f"{key}:complete").status == "succeeded"

    receipt = gateway.refund(opened.reference, paid.provider_payment_id, Money(1200, "USD"),
                             f"refund:{uuid.uuid4()}")
    assert receipt.amount == Money(1200, "USD") and receipt.status in ("pending", "succeeded")
    assert gateway.fetch(opened.reference).refunded_minor == 1200
    state = gateway.fetch(opened.reference)
    assert state.status == "succeeded"  # refunds come as a total, not as another status


def test_gateway_contract_refund_keys_are_idempotent(provider: Provider) -> None:
    gateway = provider.gateway
    opened = gateway.start(request(provider, f"payment:{uuid.uuid4()}:create"))
    provider.pay(opened.reference)
    paid = gateway.complete(opened.reference, f"{opened.reference}:complete")
    key = f"refund:{uuid.uuid4()}"
    first = gateway.refund(opened.reference, paid.provider_payment_id, Money(500, "USD"), key)
    second = gateway.refund(opened.reference, paid.provider_payment_id, Money(500, "USD"), key)
    assert first.reference == second.reference
    assert gateway.fetch(opened.reference).refunded_minor == 500


