"""The Stripe adapter through the real stripe SDK (15.3.1) against the local ``FakeStripe``.

Nothing is patched: the adapter builds its ``StripeClient`` with ``build_stripe_client`` and
every assertion on the wire reads what the fake received.
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from adapters.outbound.payments.stripe import (
    StripePaymentGateway,
    StripeWebhookAuthenticator,
    StripeWebhookInterpreter,
    build_stripe_client,
)
from application.payments.errors import GatewayDeclined, GatewayMisconfigured, GatewayUnavailable
from application.payments.ports import CheckoutLine, PaymentNotice, PaymentRequest, PaymentState
from application.shared.errors import InvalidSignature
from application.shared.ports import WebhookEvent
from domain.shared.money import Money
from tests.unit.shared.fakes import FakeClock
from tests.vendor_servers.base import RecordedRequest
from tests.vendor_servers.stripe_server import FakeStripe, sign_stripe_payload

SECRET_KEY = "sk_test_eduport_51HxSecretValue"
WEBHOOK_SECRET = "whsec_eduport_test"


# ------------------------------------------------------------------------------------------
# fixtures and helpers
# ------------------------------------------------------------------------------------------
@pytest.fixture
def fake() -> Iterator[FakeStripe]:
    with FakeStripe(api_key=SECRET_KEY) as server:
        yield server


@pytest.fixture
def gateway(fake: FakeStripe) -> StripePaymentGateway:
    return StripePaymentGateway(build_stripe_client(SECRET_KEY, fake.url, timeout_seconds=5))


def request(
    flow: str = "payment_intent",
    amount: Money | None = None,
    *,
    payment_id: str = "pay-1",
    key: str | None = None,
    lines: tuple[CheckoutLine, ...] | None = None,
    expires_at: datetime | None = None,
    email: str = "learner@example.com",
) -> PaymentRequest:
    amount = amount or Money(1999, "USD")
    if lines is None:
        lines = (CheckoutLine("course-1", "Algebra I", amount),)
    return PaymentRequest(
        payment_id=payment_id,
        order_id="order-1",
        flow=flow,
        amount=amount,
        lines=lines,
        description="eduport: Algebra I",
        customer_email=email,
        success_url="https://eduport.example/pay/ok",
        cancel_url="https://eduport.example/pay/cancel",
        expires_at=expires_at,
        idempotency_key=key or f"payment:{payment_id}:create",
    )


def posts(fake: FakeStripe) -> list[RecordedRequest]:
    return [r for r in fake.requests if r.method == "POST"]


def unbracket(raw: bytes) -> str:
    return raw.decode().replace("%5B", "[").replace("%5D", "]")


def paid_intent(gateway: StripePaymentGateway, fake: FakeStripe,
                amount: Money | None = None, payment_id: str = "pay-1") -> str:
    session = gateway.start(request(amount=amount, payment_id=payment_id))
    fake.succeed_payment_intent(session.reference)
    return session.reference


def set_intent_status(fake: FakeStripe, pi_id: str, status: str) -> None:
    """Puts a PaymentIntent in a state the fake has no control for (e.g. requires_capture)."""
    fake.payment_intents[pi_id]["status"] = status


def wait_until_answered(fake: FakeStripe, index: int) -> None:
    deadline = time.monotonic() + 5
    while fake.requests[index].status is None:
        assert time.monotonic() < deadline, "the fake never finished the delayed request"
        time.sleep(0.01)


# ------------------------------------------------------------------------------------------
# start: PaymentIntent wire form
# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("amount", "wire_amount", "wire_currency"),
    [
        (Money(1999, "USD"), "1999", "usd"),
        (Money(1500, "JPY"), "1500", "jpy"),
        (Money(12340, "KWD"), "12340", "kwd"),
        (Money(1500, "ISK"), "150000", "isk"),
        (Money(500000, "MGA"), "5000", "mga"),
    ],
)
def test_payment_intent_wire_form(
    fake: FakeStripe, gateway: StripePaymentGateway, amount: Money, wire_amount: str,
    wire_currency: str,
) -> None:
    session = gateway.start(request(amount=amount, key="payment:pay-1:create"))

    (sent,) = posts(fake)
    assert sent.path == "/v1/payment_intents"
    assert sent.header("Content-Type") == "application/x-www-form-urlencoded"
    assert sent.header("Idempotency-Key") == "payment:pay-1:create"
    assert sent.header("Authorization") == f"Bearer {SECRET_KEY}"
    assert sent.params == {
        "amount": wire_amount,
        "currency": wire_currency,
        "automatic_payment_methods": {"enabled": "true"},
        "metadata": {"payment_id": "pay-1", "order_id": "order-1"},
        "description": "eduport: Algebra I",
        "receipt_email": "learner@example.com",
    }
    body = unbracket(sent.raw_body)
    assert "automatic_payment_methods[enabled]=true" in body
    assert "metadata[payment_id]=pay-1" in body
    assert "metadata[order_id]=order-1" in body

    intent = fake.payment_intent(session.reference)
    assert session.provider == "stripe"
    assert session.reference.startswith("pi_")
    assert session.client_secret == intent["client_secret"]
    assert session.redirect_url is None and session.expires_at is None
    assert intent["amount"] == int(wire_amount)


def test_amounts_stripe_cannot_represent_never_reach_stripe(
    fake: FakeStripe, gateway: StripePaymentGateway
) -> None:
    with pytest.raises(GatewayDeclined, match="whole units"):
        gateway.start(request(amount=Money(500050, "MGA")))
    with pytest.raises(GatewayDeclined, match="three decimals"):
        gateway.start(request(amount=Money(12345, "KWD")))
    assert fake.requests == []


def test_start_twice_with_the_same_key_opens_one_payment_intent(
    fake: FakeStripe, gateway: StripePaymentGateway
) -> None:
    first = gateway.start(request())
    second = gateway.start(request())
    assert first == second
    assert len(fake.payment_intents) == 1
    assert fake.requests[-1].replayed is True


def test_reusing_a_key_for_another_amount_is_declined(
    fake: FakeStripe, gateway: StripePaymentGateway
) -> None:
    gateway.start(request())
    with pytest.raises(GatewayDeclined, match="idempotency key") as excinfo:
        gateway.start(request(amount=Money(2999, "USD")))
    assert "payment:pay-1:create" not in str(excinfo.value)
    assert len(fake.payment_intents) == 1


def test_an_unknown_flow_is_declined(fake: FakeStripe, gateway: StripePaymentGateway) -> None:
    with pytest.raises(GatewayDeclined, match="paypal_order"):
        gateway.start(request(flow="paypal_order"))
    assert fake.requests == []


def test_stripe_minimum_amount_is_a_clear_decline(gateway: StripePaymentGateway) -> None:
    with pytest.raises(GatewayDeclined, match=r"at least \$0\.50.*amount_too_small"):
        gateway.start(request(amount=Money(10, "USD")))


# ------------------------------------------------------------------------------------------
# start: Checkout Session wire form
# ------------------------------------------------------------------------------------------
def test_checkout_session_wire_form(fake: FakeStripe, gateway: StripePaymentGateway) -> None:
    expires = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=1)
    lines = (
        CheckoutLine("course-1", "Algebra I", Money(1500, "USD")),
        CheckoutLine("course-2", "Geometry", Money(2500, "USD")),
    )
    session = gateway.start(request("checkout_session", Money(4000, "USD"), lines=lines,
                                    key="payment:pay-1:create", expires_at=expires))

    (sent,) = posts(fake)
    assert sent.path == "/v1/checkout/sessions"
    assert sent.header("Idempotency-Key") == "payment:pay-1:create"
    assert sent.header("Content-Type") == "application/x-www-form-urlencoded"
    metadata = {"payment_id": "pay-1", "order_id": "order-1"}
    assert sent.params == {
        "mode": "payment",
        "line_items": [
            {"price_data": {"currency": "usd", "unit_amount": "1500",
                            "product_data": {"name": "Algebra I"}}, "quantity": "1"},
            {"price_data": {"currency": "usd", "unit_amount": "2500",
                            "product_data": {"name": "Geometry"}}, "quantity": "1"},
        ],
        "success_url": "https://eduport.example/pay/ok",
        "cancel_url": "https://eduport.example/pay/cancel",
        "expires_at": str(int(expires.timestamp())),
        "client_reference_id": "pay-1",
        "customer_email": "learner@example.com",
        "metadata": metadata,
        "payment_intent_data": {"metadata": metadata},
    }
    body = unbracket(sent.raw_body)
    assert "line_items[1][price_data][product_data][name]=Geometry" in body
    assert "payment_intent_data[metadata][payment_id]=pay-1" in body

    stored = fake.checkout_session(session.reference)
    assert session.reference.startswith("cs_test_")
    assert session.client_secret is None
    assert session.redirect_url == stored["url"] and session.redirect_url
    assert session.expires_at == expires
    assert stored["amount_total"] == 4000
    assert stored["payment_intent"] is None  # API >= 2022-08-01: created when paid


def test_checkout_session_in_jpy_and_kwd(fake: FakeStripe, gateway: StripePaymentGateway) -> None:
    gateway.start(request("checkout_session", Money(3000, "JPY"), payment_id="p-jpy"))
    gateway.start(request("checkout_session", Money(25500, "KWD"), payment_id="p-kwd"))
    jpy, kwd = (r.params["line_items"][0]["price_data"] for r in posts(fake))
    assert (jpy["currency"], jpy["unit_amount"]) == ("jpy", "3000")
    assert (kwd["currency"], kwd["unit_amount"]) == ("kwd", "25500")


def test_checkout_expiry_is_clamped_to_stripes_window(
    fake: FakeStripe, gateway: StripePaymentGateway
) -> None:
    now = datetime.now(UTC)
    soon = gateway.start(request("checkout_session", payment_id="p-soon",
                                 expires_at=now + timedelta(minutes=5)))
    late = gateway.start(request("checkout_session", payment_id="p-late",
                                 expires_at=now + timedelta(days=3)))
    default = gateway.start(request("checkout_session", payment_id="p-default"))

    soon_sent, late_sent, default_sent = posts(fake)
    soon_at = int(soon_sent.params["expires_at"])
    late_at = int(late_sent.params["expires_at"])
    assert now.timestamp() + 30 * 60 < soon_at <= now.timestamp() + 40 * 60
    assert now.timestamp() + 23 * 3600 < late_at < now.timestamp() + 24 * 3600
    assert soon_at % 300 == 0 and late_at % 300 == 0  # stable for a retry with the same key
    assert "expires_at" not in default_sent.params
    assert soon.expires_at == datetime.fromtimestamp(soon_at, UTC)
    assert late.expires_at == datetime.fromtimestamp(late_at, UTC)
    assert default.expires_at is not None
    assert abs(default.expires_at.timestamp() - (now.timestamp() + 24 * 3600)) < 60


def test_a_clamped_expiry_is_stable_for_a_retry_with_the_same_key(fake: FakeStripe) -> None:
    aligned = datetime.fromtimestamp(int(time.time()) // 300 * 300, UTC)
    clock = FakeClock(aligned)
    gateway = StripePaymentGateway(build_stripe_client(SECRET_KEY, fake.url), clock=clock)
    first = gateway.start(request("checkout_session", expires_at=aligned))
    clock.advance(seconds=60)  # a retry a minute later sends the same parameters
    retry = gateway.start(request("checkout_session", expires_at=aligned))
    sent = posts(fake)
    expected = int(aligned.timestamp()) + 35 * 60  # 30 min + 2 min margin, up to 5 min
    assert [r.params["expires_at"] for r in sent] == [str(expected)] * 2
    assert sent[1].replayed is True
    assert first == retry


def test_checkout_lines_must_add_up_to_the_amount(
    fake: FakeStripe, gateway: StripePaymentGateway
) -> None:
    lines = (CheckoutLine("course-1", "Algebra I", Money(1500, "USD")),)
    with pytest.raises(GatewayDeclined, match=r"total 15\.00 USD"):
        gateway.start(request("checkout_session", Money(2000, "USD"), lines=lines))
    euro = (CheckoutLine("course-1", "Algebra I", Money(2000, "EUR")),)
    with pytest.raises(GatewayDeclined, match="in EUR"):
        gateway.start(request("checkout_session", Money(2000, "USD"), lines=euro))
    assert fake.requests == []


def test_checkout_without_lines_charges_one_line_for_the_amount(
    fake: FakeStripe, gateway: StripePaymentGateway
) -> None:
    gateway.start(request("checkout_session", Money(4200, "USD"), lines=()))
    (item,) = posts(fake)[0].params["line_items"]
    assert item["price_data"]["unit_amount"] == "4200"
    assert item["price_data"]["product_data"]["name"] == "eduport: Algebra I"


# ------------------------------------------------------------------------------------------
# fetch: PaymentIntent
# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "stripe_status",
    ["requires_payment_method", "requires_confirmation", "processing", "requires_capture"],
)
def test_open_payment_intents_are_pending(
    fake: FakeStripe, gateway: StripePaymentGateway, stripe_status: str
) -> None:
    reference = gateway.start(request()).reference
    set_intent_status(fake, reference, stripe_status)
    assert gateway.fetch(reference) == PaymentState(
        reference=reference, status="pending", received=None, provider_payment_id=reference)


def test_payment_intent_requiring_action(fake: FakeStripe, gateway: StripePaymentGateway) -> None:
    session = gateway.start(request())
    fake.require_action(session.reference)
    state = gateway.fetch(session.reference)
    assert state.status == "requires_action"
    assert state.received is None
    assert state.next_action == {"type": "use_stripe_sdk", "client_secret": session.client_secret}


def test_declined_payment_intent_is_failed_with_the_decline_code(
    fake: FakeStripe, gateway: StripePaymentGateway
) -> None:
    reference = gateway.start(request()).reference
    fake.fail_payment_intent(reference, "insufficient_funds")
    state = gateway.fetch(reference)
    assert (state.status, state.failure_reason, state.received) == (
        "failed", "insufficient_funds", None)

    fake.fail_payment_intent(reference, "", code="expired_card", message="Expired.")
    assert gateway.fetch(reference).failure_reason == "expired_card"


def test_succeeded_payment_intent_after_a_decline(
    fake: FakeStripe, gateway: StripePaymentGateway
) -> None:
    reference = gateway.start(request()).reference
    fake.fail_payment_intent(reference)
    fake.succeed_payment_intent(reference)
    assert gateway.fetch(reference) == PaymentState(
        reference=reference, status="succeeded", received=Money(1999, "USD"),
        provider_payment_id=reference, refunded_minor=0)
    retrieve = fake.requests[-1]
    assert retrieve.method == "GET"
    assert retrieve.params == {"expand": ["latest_charge"]}


@pytest.mark.parametrize("amount", [Money(1500, "JPY"), Money(12340, "KWD"),
                                    Money(2000, "ISK")])
def test_received_amounts_are_in_iso_minor_units(
    fake: FakeStripe, gateway: StripePaymentGateway, amount: Money
) -> None:
    reference = paid_intent(gateway, fake, amount)
    assert gateway.fetch(reference).received == amount


def test_canceled_payment_intent(fake: FakeStripe, gateway: StripePaymentGateway) -> None:
    reference = gateway.start(request()).reference
    gateway.cancel(reference, "payment:pay-1:cancel")
    state = gateway.fetch(reference)
    assert (state.status, state.received) == ("canceled", None)


def test_complete_is_fetch(fake: FakeStripe, gateway: StripePaymentGateway) -> None:
    reference = paid_intent(gateway, fake)
    before = len(posts(fake))
    assert gateway.complete(reference, "payment:pay-1:complete") == gateway.fetch(reference)
    assert len(posts(fake)) == before  # Stripe captures by itself: nothing is posted


def test_fetching_an_unknown_reference_is_declined(gateway: StripePaymentGateway) -> None:
    with pytest.raises(GatewayDeclined, match="resource_missing"):
        gateway.fetch("pi_doesnotexist")
    with pytest.raises(GatewayDeclined, match="not a Stripe"):
        gateway.fetch("ORDER-5O190127")


# ------------------------------------------------------------------------------------------
# fetch: Checkout Session
# ------------------------------------------------------------------------------------------
def test_checkout_session_states(fake: FakeStripe, gateway: StripePaymentGateway) -> None:
    open_ref = gateway.start(request("checkout_session", payment_id="p-open")).reference
    assert gateway.fetch(open_ref) == PaymentState(open_ref, "pending", None)

    expired_ref = gateway.start(request("checkout_session", payment_id="p-exp")).reference
    fake.expire_checkout_session(expired_ref)
    assert gateway.fetch(expired_ref) == PaymentState(expired_ref, "expired", None)

    paid_ref = gateway.start(request("checkout_session", payment_id="p-paid")).reference
    fake.complete_checkout_session(paid_ref, paid=True)
    pi_id = fake.checkout_session(paid_ref)["payment_intent"]
    assert gateway.fetch(paid_ref) == PaymentState(
        reference=paid_ref, status="succeeded", received=Money(1999, "USD"),
        provider_payment_id=pi_id, refunded_minor=0)
    assert fake.payment_intent(pi_id)["metadata"] == {"payment_id": "p-paid",
                                                      "order_id": "order-1"}


def test_delayed_checkout_payment_that_succeeds(
    fake: FakeStripe, gateway: StripePaymentGateway
) -> None:
    reference = gateway.start(request("checkout_session")).reference
    fake.complete_checkout_session(reference, paid=False)
    assert gateway.fetch(reference).status == "pending"
    pi_id = fake.checkout_session(reference)["payment_intent"]
    fake.succeed_payment_intent(pi_id)  # async_payment_succeeded
    state = gateway.fetch(reference)
    assert (state.status, state.received, state.provider_payment_id) == (
        "succeeded", Money(1999, "USD"), pi_id)


def test_delayed_checkout_payment_is_pending_then_failed(
    fake: FakeStripe, gateway: StripePaymentGateway
) -> None:
    reference = gateway.start(request("checkout_session")).reference
    fake.complete_checkout_session(reference, paid=False)
    pi_id = fake.checkout_session(reference)["payment_intent"]
    state = gateway.fetch(reference)
    assert (state.status, state.received, state.provider_payment_id) == ("pending", None, pi_id)

    fake.fail_payment_intent(pi_id, "generic_decline")  # async_payment_failed
    state = gateway.fetch(reference)
    assert (state.status, state.failure_reason) == ("failed", "generic_decline")


# ------------------------------------------------------------------------------------------
# cancel
# ------------------------------------------------------------------------------------------
def test_cancel_payment_intent_is_idempotent(
    fake: FakeStripe, gateway: StripePaymentGateway
) -> None:
    reference = gateway.start(request()).reference
    gateway.cancel(reference, "payment:pay-1:cancel")
    gateway.cancel(reference, "payment:pay-1:cancel")  # replayed
    gateway.cancel(reference, "payment:pay-1:cancel-again")  # 400 from Stripe, left alone
    cancels = [r for r in posts(fake) if r.path == f"/v1/payment_intents/{reference}/cancel"]
    assert [r.header("Idempotency-Key") for r in cancels] == [
        "payment:pay-1:cancel", "payment:pay-1:cancel", "payment:pay-1:cancel-again"]
    assert [r.status for r in cancels] == [200, 200, 400]
    assert fake.payment_intent(reference)["status"] == "canceled"


def test_cancel_leaves_a_succeeded_payment_intent_alone(
    fake: FakeStripe, gateway: StripePaymentGateway
) -> None:
    reference = paid_intent(gateway, fake)
    gateway.cancel(reference, "payment:pay-1:cancel")
    assert fake.payment_intent(reference)["status"] == "succeeded"


def test_cancel_expires_an_open_checkout_session(
    fake: FakeStripe, gateway: StripePaymentGateway
) -> None:
    reference = gateway.start(request("checkout_session")).reference
    gateway.cancel(reference, "payment:pay-1:cancel")
    gateway.cancel(reference, "payment:pay-1:cancel-2")
    expires = [r for r in posts(fake) if r.path.endswith("/expire")]
    assert [r.header("Idempotency-Key") for r in expires] == [
        "payment:pay-1:cancel", "payment:pay-1:cancel-2"]
    assert [r.status for r in expires] == [200, 400]
    assert fake.checkout_session(reference)["status"] == "expired"
    assert gateway.fetch(reference).status == "expired"


def test_cancel_leaves_a_completed_checkout_session_alone(
    fake: FakeStripe, gateway: StripePaymentGateway
) -> None:
    reference = gateway.start(request("checkout_session")).reference
    fake.complete_checkout_session(reference)
    gateway.cancel(reference, "payment:pay-1:cancel")
    assert gateway.fetch(reference).status == "succeeded"


def test_cancel_of_an_unknown_payment_intent_is_declined(gateway: StripePaymentGateway) -> None:
    with pytest.raises(GatewayDeclined):
        gateway.cancel("pi_doesnotexist", "k-1")


# ------------------------------------------------------------------------------------------
# refunds
# ------------------------------------------------------------------------------------------
def test_partial_then_full_refund(fake: FakeStripe, gateway: StripePaymentGateway) -> None:
    reference = paid_intent(gateway, fake, Money(1000, "USD"))

    receipt = gateway.refund(reference, "pay-1", Money(400, "USD"), "refund:r-1")
    sent = posts(fake)[-1]
    assert sent.path == "/v1/refunds"
    assert sent.header("Idempotency-Key") == "refund:r-1"
    assert sent.params == {"payment_intent": reference, "amount": "400",
                           "metadata": {"payment_id": "pay-1"}}
    assert receipt.reference.startswith("re_")
    assert (receipt.status, receipt.amount) == ("succeeded", Money(400, "USD"))
    assert fake.refund(receipt.reference)["metadata"] == {"payment_id": "pay-1"}
    state = gateway.fetch(reference)
    assert (state.status, state.refunded_minor) == ("succeeded", 400)

    again = gateway.refund(reference, "pay-1", Money(400, "USD"), "refund:r-1")
    assert again == receipt  # replayed: not refunded twice
    assert gateway.fetch(reference).refunded_minor == 400

    rest = gateway.refund(reference, "pay-1", Money(600, "USD"), "refund:r-2")
    assert rest.amount == Money(600, "USD")
    state = gateway.fetch(reference)
    assert (state.status, state.refunded_minor, state.received) == (
        "succeeded", 1000, Money(1000, "USD"))


def test_over_refund_is_declined(fake: FakeStripe, gateway: StripePaymentGateway) -> None:
    reference = paid_intent(gateway, fake, Money(1000, "USD"))
    gateway.refund(reference, "pay-1", Money(700, "USD"), "refund:r-1")
    with pytest.raises(GatewayDeclined, match="greater than unrefunded"):
        gateway.refund(reference, "pay-1", Money(400, "USD"), "refund:r-2")
    assert gateway.fetch(reference).refunded_minor == 700


def test_refund_through_a_checkout_session(
    fake: FakeStripe, gateway: StripePaymentGateway
) -> None:
    reference = gateway.start(request("checkout_session", Money(12340, "KWD"))).reference
    fake.complete_checkout_session(reference)
    pi_id = fake.checkout_session(reference)["payment_intent"]
    receipt = gateway.refund(reference, None, Money(2000, "KWD"), "refund:r-1")
    sent = posts(fake)[-1]
    assert sent.params == {"payment_intent": pi_id, "amount": "2000"}
    assert receipt.amount == Money(2000, "KWD")
    assert gateway.fetch(reference).refunded_minor == 2000


def test_refunds_in_currencies_whose_stripe_units_differ(
    fake: FakeStripe, gateway: StripePaymentGateway
) -> None:
    isk = paid_intent(gateway, fake, Money(2000, "ISK"), payment_id="p-isk")
    receipt = gateway.refund(isk, "p-isk", Money(500, "ISK"), "refund:isk")
    assert posts(fake)[-1].params["amount"] == "50000"
    assert receipt.amount == Money(500, "ISK")
    assert gateway.fetch(isk).refunded_minor == 500

    mga = paid_intent(gateway, fake, Money(1_000_000, "MGA"), payment_id="p-mga")
    receipt = gateway.refund(mga, "p-mga", Money(300_000, "MGA"), "refund:mga")
    assert posts(fake)[-1].params["amount"] == "3000"
    assert receipt.amount == Money(300_000, "MGA")
    assert gateway.fetch(mga).refunded_minor == 300_000
    with pytest.raises(GatewayDeclined, match="whole units"):
        gateway.refund(mga, "p-mga", Money(150, "MGA"), "refund:mga-2")


def test_refund_of_an_unpaid_attempt_is_declined(
    fake: FakeStripe, gateway: StripePaymentGateway
) -> None:
    session_ref = gateway.start(request("checkout_session", payment_id="p-cs")).reference
    with pytest.raises(GatewayDeclined, match="never paid"):
        gateway.refund(session_ref, "p-cs", Money(100, "USD"), "refund:r-1")
    intent_ref = gateway.start(request(payment_id="p-pi")).reference
    with pytest.raises(GatewayDeclined, match="successful charge"):
        gateway.refund(intent_ref, "p-pi", Money(100, "USD"), "refund:r-2")


def test_refund_in_another_currency_is_declined(
    fake: FakeStripe, gateway: StripePaymentGateway
) -> None:
    reference = paid_intent(gateway, fake, Money(1000, "USD"))
    with pytest.raises(GatewayDeclined, match="EUR"):
        gateway.refund(reference, "pay-1", Money(100, "EUR"), "refund:r-1")
    assert not any(r.path == "/v1/refunds" for r in fake.requests)


# ------------------------------------------------------------------------------------------
# transient failures and error mapping
# ------------------------------------------------------------------------------------------
def test_500_is_unavailable_and_the_retry_with_the_same_key_succeeds(
    fake: FakeStripe, gateway: StripePaymentGateway
) -> None:
    fake.fail_next(1, status=500)
    with pytest.raises(GatewayUnavailable, match="HTTP 500") as excinfo:
        gateway.start(request())
    assert SECRET_KEY not in str(excinfo.value)
    assert fake.payment_intents == {}

    session = gateway.start(request())
    first, retry = posts(fake)
    assert first.header("Idempotency-Key") == retry.header("Idempotency-Key") == (
        "payment:pay-1:create")
    assert list(fake.payment_intents) == [session.reference]


@pytest.mark.parametrize("status", [429, 502, 503, 409])
def test_transient_statuses_are_unavailable(
    fake: FakeStripe, gateway: StripePaymentGateway, status: int
) -> None:
    fake.fail_next(1, status=status)
    with pytest.raises(GatewayUnavailable):
        gateway.start(request())


def test_failures_on_reads_and_refunds_are_unavailable(
    fake: FakeStripe, gateway: StripePaymentGateway
) -> None:
    reference = paid_intent(gateway, fake)
    fake.fail_next(1, status=503)
    with pytest.raises(GatewayUnavailable):
        gateway.fetch(reference)
    fake.fail_next(2, status=500)  # the currency check's GET, then the refund POST
    with pytest.raises(GatewayUnavailable):
        gateway.refund(reference, "pay-1", Money(100, "USD"), "refund:r-1")
    with pytest.raises(GatewayUnavailable):
        gateway.refund(reference, "pay-1", Money(100, "USD"), "refund:r-1")
    receipt = gateway.refund(reference, "pay-1", Money(100, "USD"), "refund:r-1")
    assert receipt.status == "succeeded"
    assert len(fake.refunds) == 1


def test_a_500_saved_under_the_key_stays_unavailable(
    fake: FakeStripe, gateway: StripePaymentGateway
) -> None:
    fake.fail_next(1, status=500, idempotent=True)
    for _ in range(2):  # Stripe replays a 500 raised while executing
        with pytest.raises(GatewayUnavailable):
            gateway.start(request())
    assert fake.requests[-1].replayed is True


def test_a_timeout_is_unavailable_and_the_retry_gets_the_same_payment_intent(
    fake: FakeStripe,
) -> None:
    impatient = StripePaymentGateway(
        build_stripe_client(SECRET_KEY, fake.url, timeout_seconds=0.3))
    fake.delay_next(1, 1.0)
    with pytest.raises(GatewayUnavailable, match="timed out"):
        impatient.start(request())

    wait_until_answered(fake, 0)  # Stripe finished the request we stopped waiting for
    session = impatient.start(request())
    assert list(fake.payment_intents) == [session.reference]
    assert fake.requests[-1].replayed is True


def test_a_retry_while_the_first_request_is_in_flight_is_unavailable(
    fake: FakeStripe,
) -> None:
    impatient = StripePaymentGateway(
        build_stripe_client(SECRET_KEY, fake.url, timeout_seconds=0.3))
    fake.delay_next(1, 1.5)
    with pytest.raises(GatewayUnavailable):
        impatient.start(request())
    with pytest.raises(GatewayUnavailable):  # 409: same key still in flight
        impatient.start(request())
    assert fake.requests[1].status == 409


def test_an_unreachable_stripe_is_unavailable() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    gateway = StripePaymentGateway(
        build_stripe_client(SECRET_KEY, f"http://127.0.0.1:{port}", timeout_seconds=1))
    with pytest.raises(GatewayUnavailable):
        gateway.fetch("pi_123")


def test_a_wrong_api_key_is_misconfiguration_without_leaking_it(fake: FakeStripe) -> None:
    wrong = "sk_test_wrong_key_9876"
    gateway = StripePaymentGateway(build_stripe_client(wrong, fake.url))
    with pytest.raises(GatewayMisconfigured, match="API key") as excinfo:
        gateway.start(request())
    message = str(excinfo.value)
    assert "sk_" not in message and "9876" not in message
    assert fake.requests[-1].status == 401


def test_a_card_error_is_declined(fake: FakeStripe, gateway: StripePaymentGateway) -> None:
    fake.fail_next(1, status=402)
    with pytest.raises(GatewayDeclined, match="declined"):
        gateway.start(request())


def test_a_key_without_permission_is_misconfiguration(
    fake: FakeStripe, gateway: StripePaymentGateway
) -> None:
    fake.fail_next(1, status=403)
    with pytest.raises(GatewayMisconfigured, match="not permitted"):
        gateway.start(request())


# ------------------------------------------------------------------------------------------
# webhook authenticator
# ------------------------------------------------------------------------------------------
@pytest.fixture
def authenticator() -> StripeWebhookAuthenticator:
    return StripeWebhookAuthenticator(WEBHOOK_SECRET)


def signed_event(fake: FakeStripe, timestamp: int | None = None,
                 secret: str = WEBHOOK_SECRET) -> tuple[bytes, str, dict[str, Any]]:
    intent = {"id": "pi_123", "object": "payment_intent", "status": "succeeded",
              "metadata": {"payment_id": "pay-1"}}
    event = fake.event("payment_intent.succeeded", intent)
    body = json.dumps(event, separators=(",", ":")).encode()
    return body, sign_stripe_payload(body, secret, timestamp), event


def test_a_valid_delivery_is_authenticated(
    fake: FakeStripe, authenticator: StripeWebhookAuthenticator
) -> None:
    body, header, event = signed_event(fake)
    delivered = authenticator.authenticate({"Stripe-Signature": header}, body)
    assert delivered == WebhookEvent("stripe", event["id"], "payment_intent.succeeded", event)
    assert type(delivered.payload) is dict
    assert type(delivered.payload["data"]["object"]) is dict
    assert authenticator.provider == "stripe"
    # header names are case-insensitive (WSGI / proxies lower-case them)
    assert authenticator.authenticate({"stripe-signature": header}, body) == delivered


def test_forged_and_tampered_deliveries_are_rejected(
    fake: FakeStripe, authenticator: StripeWebhookAuthenticator
) -> None:
    body, _, _ = signed_event(fake)
    forged = sign_stripe_payload(body, "whsec_attacker")
    with pytest.raises(InvalidSignature):
        authenticator.authenticate({"Stripe-Signature": forged}, body)
    _, header, _ = signed_event(fake)
    with pytest.raises(InvalidSignature):
        authenticator.authenticate({"Stripe-Signature": header}, body + b" ")
    with pytest.raises(InvalidSignature):
        authenticator.authenticate({"Stripe-Signature": "t=abc,v1=00"}, body)
    with pytest.raises(InvalidSignature):
        authenticator.authenticate({"Stripe-Signature": "garbage"}, body)


def test_a_missing_signature_is_rejected(
    fake: FakeStripe, authenticator: StripeWebhookAuthenticator
) -> None:
    body, _, _ = signed_event(fake)
    with pytest.raises(InvalidSignature, match="missing"):
        authenticator.authenticate({}, body)
    with pytest.raises(InvalidSignature):
        authenticator.authenticate({"Stripe-Signature": ""}, body)


@pytest.mark.parametrize(("offset", "accepted"), [(-301, False), (301, False), (-290, True),
                                                  (290, True)])
def test_timestamps_are_checked_both_ways(
    fake: FakeStripe, authenticator: StripeWebhookAuthenticator, offset: int, accepted: bool
) -> None:
    body, header, _ = signed_event(fake, timestamp=int(time.time()) + offset)
    if accepted:
        assert authenticator.authenticate({"Stripe-Signature": header}, body).event_id
    else:
        with pytest.raises(InvalidSignature):
            authenticator.authenticate({"Stripe-Signature": header}, body)


def test_the_injected_clock_decides_freshness(fake: FakeStripe) -> None:
    clock = FakeClock(datetime.now(UTC) - timedelta(minutes=10))
    authenticator = StripeWebhookAuthenticator(WEBHOOK_SECRET, tolerance=300, clock=clock)
    body, header, _ = signed_event(fake)  # signed now = 10 minutes in the clock's future
    with pytest.raises(InvalidSignature, match="tolerance"):
        authenticator.authenticate({"Stripe-Signature": header}, body)


def test_several_v1_signatures_during_secret_rotation(fake: FakeStripe) -> None:
    body, new_header, _ = signed_event(fake, secret="whsec_new")
    t = new_header.split(",")[0]
    new_sig = new_header.split("v1=")[1]
    old_sig = sign_stripe_payload(body, "whsec_old", int(t[2:])).split("v1=")[1]
    header = f"{t},v1={old_sig},v1={new_sig},v0=deadbeef"
    for secret in ("whsec_old", "whsec_new"):
        event = StripeWebhookAuthenticator(secret).authenticate({"Stripe-Signature": header}, body)
        assert event.event_type == "payment_intent.succeeded"
    with pytest.raises(InvalidSignature):
        StripeWebhookAuthenticator("whsec_other").authenticate({"Stripe-Signature": header}, body)


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b'{"object": "event"}',
                                  b"\xff\xfe{}"])
def test_signed_bodies_that_are_not_events_are_rejected(
    authenticator: StripeWebhookAuthenticator, body: bytes
) -> None:
    header = sign_stripe_payload(body, WEBHOOK_SECRET)
    with pytest.raises(InvalidSignature):
        authenticator.authenticate({"Stripe-Signature": header}, body)


# ------------------------------------------------------------------------------------------
# webhook interpreter
# ------------------------------------------------------------------------------------------
@pytest.fixture
def interpreter() -> StripeWebhookInterpreter:
    return StripeWebhookInterpreter()


def as_event(envelope: dict[str, Any]) -> WebhookEvent:
    return WebhookEvent("stripe", envelope["id"], envelope["type"], envelope)


@pytest.mark.parametrize("event_type", [
    "payment_intent.succeeded", "payment_intent.payment_failed", "payment_intent.processing",
    "payment_intent.canceled", "payment_intent.requires_action",
])
def test_payment_intent_events(
    fake: FakeStripe, gateway: StripePaymentGateway, interpreter: StripeWebhookInterpreter,
    event_type: str,
) -> None:
    reference = gateway.start(request(payment_id="pay-7")).reference
    notice = interpreter.interpret(as_event(fake.event(event_type,
                                                       fake.payment_intent(reference))))
    assert notice == PaymentNotice("payment", payment_id="pay-7", reference=reference)


@pytest.mark.parametrize("event_type", [
    "checkout.session.completed", "checkout.session.async_payment_succeeded",
    "checkout.session.async_payment_failed", "checkout.session.expired",
])
def test_checkout_session_events(
    fake: FakeStripe, gateway: StripePaymentGateway, interpreter: StripeWebhookInterpreter,
    event_type: str,
) -> None:
    reference = gateway.start(request("checkout_session", payment_id="pay-8")).reference
    session = fake.checkout_session(reference)
    notice = interpreter.interpret(as_event(fake.event(event_type, session)))
    assert notice == PaymentNotice("payment", payment_id="pay-8", reference=reference)

    session["metadata"] = {}  # falls back to client_reference_id
    notice = interpreter.interpret(as_event(fake.event(event_type, session)))
    assert notice == PaymentNotice("payment", payment_id="pay-8", reference=reference)


def test_refund_events(
    fake: FakeStripe, gateway: StripePaymentGateway, interpreter: StripeWebhookInterpreter
) -> None:
    reference = paid_intent(gateway, fake, payment_id="pay-9")
    receipt = gateway.refund(reference, "pay-9", Money(500, "USD"), "refund:r-1")
    charge = fake.charge(fake.payment_intent(reference)["latest_charge"])
    assert interpreter.interpret(as_event(fake.event("charge.refunded", charge))) == (
        PaymentNotice("refund", payment_id=None, reference=reference))
    charge["metadata"] = {"payment_id": "pay-9"}
    assert interpreter.interpret(as_event(fake.event("charge.refunded", charge))) == (
        PaymentNotice("refund", payment_id="pay-9", reference=reference))
    for event_type in ("refund.created", "refund.updated"):
        event = fake.event(event_type, fake.refund(receipt.reference))
        assert interpreter.interpret(as_event(event)) == PaymentNotice(
            "refund", payment_id="pay-9", reference=reference)


def test_dispute_events(
    fake: FakeStripe, gateway: StripePaymentGateway, interpreter: StripeWebhookInterpreter
) -> None:
    reference = paid_intent(gateway, fake)
    dispute = fake.dispute(fake.payment_intent(reference)["latest_charge"])
    opened = interpreter.interpret(as_event(fake.event("charge.dispute.created", dispute)))
    assert opened == PaymentNotice("dispute_opened", reference=reference)
    for status, won in (("won", True), ("lost", False)):
        closed = fake.event("charge.dispute.closed", {**dispute, "status": status})
        assert interpreter.interpret(as_event(closed)) == PaymentNotice(
            "dispute_closed", reference=reference, dispute_won=won)


@pytest.mark.parametrize(("event_type", "obj"), [
    ("customer.created", {"id": "cus_1", "object": "customer"}),
    ("payment_intent.created", {"id": "pi_1", "metadata": {"payment_id": "p"}}),
    ("charge.dispute.updated", {"id": "dp_1", "payment_intent": "pi_1"}),
    ("payment_intent.succeeded", {"object": "payment_intent"}),  # no id
    ("payment_intent.succeeded", {"id": 42}),
    ("checkout.session.completed", {"client_reference_id": "pay-1"}),  # no id
    ("charge.refunded", {"id": "ch_1", "payment_intent": None}),
    ("refund.created", {"id": "re_1"}),
    ("charge.dispute.created", {"id": "dp_1"}),
    ("charge.dispute.closed", {"id": "dp_1", "status": "won"}),
])
def test_unknown_or_incomplete_events_are_ignored(
    fake: FakeStripe, interpreter: StripeWebhookInterpreter, event_type: str,
    obj: dict[str, Any],
) -> None:
    assert interpreter.interpret(as_event(fake.event(event_type, obj))) == PaymentNotice("ignore")


@pytest.mark.parametrize("payload", [
    {}, {"data": None}, {"data": {"object": "pi_1"}}, {"data": []},
])
def test_malformed_payloads_are_ignored(
    interpreter: StripeWebhookInterpreter, payload: dict[str, Any]
) -> None:
    event = WebhookEvent("stripe", "evt_1", "payment_intent.succeeded", payload)
    assert interpreter.interpret(event).kind == "ignore"


def test_a_signed_delivery_end_to_end(
    fake: FakeStripe, gateway: StripePaymentGateway, authenticator: StripeWebhookAuthenticator,
    interpreter: StripeWebhookInterpreter,
) -> None:
    reference = gateway.start(request(payment_id="pay-e2e")).reference
    fake.succeed_payment_intent(reference)
    body = json.dumps(fake.event("payment_intent.succeeded",
                                 fake.payment_intent(reference))).encode()
    event = authenticator.authenticate(
        {"Stripe-Signature": sign_stripe_payload(body, WEBHOOK_SECRET)}, body)
    assert interpreter.interpret(event) == PaymentNotice(
        "payment", payment_id="pay-e2e", reference=reference)
    assert gateway.fetch(reference).status == "succeeded"
