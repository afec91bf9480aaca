"""The sandbox payment gateway, its signed events and their verification, on SQLite and
PostgreSQL."""

from __future__ import annotations

import json
import threading
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select

from adapters.outbound.payments.sandbox import (
    SIGNATURE_HEADER,
    SandboxPaymentGateway,
    SandboxWebhookAuthenticator,
    SandboxWebhookInterpreter,
    sign,
)
from adapters.outbound.persistence import tables as t
from application.payments.errors import GatewayDeclined
from application.payments.ports import PaymentNotice, PaymentRequest
from application.shared.errors import InvalidSignature
from application.shared.ports import WebhookEvent
from domain.shared.errors import NotFound
from domain.shared.money import Money
from tests.driver import count
from tests.unit.shared.fakes import FakeClock

SECRET = "whsec_sandbox_test_secret"


class Inbox:
    """Stands in for the webhook inbox: keeps what was delivered, and checks on each delivery
    that the change it announces is already committed (visible from another connection)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.deliveries: list[tuple[bytes, dict[str, str]]] = []
        self.seen_status: list[str] = []
        self.fail = False

    def __call__(self, body: bytes, headers: dict[str, str]) -> None:
        reference = json.loads(body)["data"]["reference"]
        with self.engine.begin() as connection:  # would wait forever behind an open write
            status = connection.execute(select(t.sandbox_payments.c.status).where(
                t.sandbox_payments.c.reference == reference)).scalar_one()
        self.seen_status.append(status)
        self.deliveries.append((body, headers))
        if self.fail:
            raise ConnectionError("the inbox is down")

    def events(self) -> list[dict[str, Any]]:
        return [json.loads(body) for body, _ in self.deliveries]

    def types(self) -> list[str]:
        return [event["type"] for event in self.events()]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def inbox(engine: Engine) -> Inbox:
    return Inbox(engine)


@pytest.fixture
def gateway(engine: Engine, clock: FakeClock, inbox: Inbox) -> SandboxPaymentGateway:
    return SandboxPaymentGateway(engine, clock, SECRET, inbox)


@pytest.fixture
def authenticator(clock: FakeClock) -> SandboxWebhookAuthenticator:
    return SandboxWebhookAuthenticator(SECRET, clock)


PRICE = Money(4999, "USD")


def request(method: str | None = "pm_card_visa", *, key: str = "payment:p-1:create",
            amount: Money = PRICE, payment_id: str = "p-1") -> PaymentRequest:
    return PaymentRequest(
        payment_id=payment_id, order_id="o-1", flow="sandbox", amount=amount, lines=(),
        description="Intro to Python", customer_email="ann@example.test",
        success_url="https://app.example.test/paid", cancel_url="https://app.example.test/x",
        expires_at=None, idempotency_key=key, payment_method=method)


# --- start ---------------------------------------------------------------------------------


def test_start_opens_a_pending_payment_idempotently(gateway: SandboxPaymentGateway,
                                                     clock: FakeClock, engine: Engine) -> None:
    expires = clock.now() + timedelta(minutes=30)
    session = gateway.start(replace(request(), expires_at=expires))
    assert session.provider == "sandbox" and session.redirect_url is None
    assert session.reference.startswith("sbx_")
    assert session.client_secret is not None
    assert session.client_secret.startswith(f"{session.reference}_secret_")
    assert session.expires_at == expires

    again = gateway.start(replace(request(), expires_at=expires))
    assert again == session
    other = gateway.start(request(key="payment:p-2:create", payment_id="p-2"))
    assert other.reference != session.reference
    assert count(engine, t.sandbox_payments) == 2

    state = gateway.fetch(session.reference)
    assert (state.status, state.received, state.refunded_minor) == ("pending", None, 0)
    assert state.next_action is None and state.failure_reason is None


def test_a_key_reused_for_another_payment_is_declined(gateway: SandboxPaymentGateway) -> None:
    gateway.start(request())
    with pytest.raises(GatewayDeclined, match="idempotency key"):
        gateway.start(request(amount=Money(5000, "USD")))
    with pytest.raises(GatewayDeclined, match="idempotency key"):
        gateway.start(request("pm_card_mastercard"))


@pytest.mark.parametrize("method", [None, "", "pm_card_nonsense", "4242424242424242"])
def test_an_unknown_or_missing_test_method_is_declined_at_start(
        gateway: SandboxPaymentGateway, engine: Engine, method: str | None) -> None:
    with pytest.raises(GatewayDeclined, match="test payment method"):
        gateway.start(request(method))
    assert count(engine, t.sandbox_payments) == 0


def test_a_non_positive_amount_is_declined(gateway: SandboxPaymentGateway) -> None:
    with pytest.raises(GatewayDeclined, match="positive"):
        gateway.start(request(amount=Money(0, "USD")))


def test_every_iso_currency_is_supported(gateway: SandboxPaymentGateway) -> None:
    assert all(gateway.supports(code) for code in ("USD", "EGP", "JPY", "KWD", "CLF"))
    assert not gateway.supports("usd") and not gateway.supports("XXY")


def test_an_unknown_reference_is_declined(gateway: SandboxPaymentGateway) -> None:
    for call in (lambda: gateway.fetch("sbx_nope"), lambda: gateway.complete("sbx_nope", "k"),
                 lambda: gateway.cancel("sbx_nope", "k"),
                 lambda: gateway.refund("sbx_nope", None, Money(1, "USD"), "k")):
        with pytest.raises(GatewayDeclined, match="no sandbox payment"):
            call()
    # The bank's page is addressed by the cardholder's browser, not by eduport: a 404 there.
    with pytest.raises(NotFound, match="no sandbox payment"):
        gateway.authenticate("sbx_nope", True)


# --- outcomes ------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["pm_card_visa", "pm_card_mastercard"])
def test_a_good_card_succeeds_and_says_so_once(
        gateway: SandboxPaymentGateway, inbox: Inbox, authenticator: SandboxWebhookAuthenticator,
        method: str) -> None:
    reference = gateway.start(request(method)).reference
    assert inbox.deliveries == []  # opening a payment is not a state change worth an event

    state = gateway.complete(reference, "payment:p-1:confirm")
    assert state.status == "succeeded" and state.received == Money(4999, "USD")
    assert state.provider_payment_id == reference and state.failure_reason is None
    assert gateway.fetch(reference) == state

    assert gateway.complete(reference, "payment:p-1:confirm") == state  # a repeat: no-op
    assert inbox.types() == ["payment.succeeded"]
    assert inbox.seen_status == ["succeeded"]  # delivered after commit

    body, headers = inbox.deliveries[0]
    event = authenticator.authenticate(headers, body)
    assert event.provider == "sandbox" and event.event_type == "payment.succeeded"
    assert event.event_id.startswith("evt_sbx_")
    assert event.payload["data"]["reference"] == reference
    assert event.payload["data"]["payment_id"] == "p-1"
    assert event.payload["data"]["order_id"] == "o-1"
    assert isinstance(event.payload["created"], int)
    assert SandboxWebhookInterpreter().interpret(event) == PaymentNotice(
        "payment", "p-1", reference)


@pytest.mark.parametrize(
    ("method", "reason"),
    [
        ("pm_card_chargeDeclined", "card_declined"),
        ("pm_card_visa_chargeDeclined", "card_declined"),
        ("pm_card_visa_chargeDeclinedInsufficientFunds", "insufficient_funds"),
    ],
)
def test_a_declining_card_fails_with_its_reason(
        gateway: SandboxPaymentGateway, inbox: Inbox, authenticator: SandboxWebhookAuthenticator,
        method: str, reason: str) -> None:
    reference = gateway.start(request(method)).reference
    state = gateway.complete(reference, "k")
    assert (state.status, state.failure_reason, state.received) == ("failed", reason, None)
    assert gateway.complete(reference, "k") == state
    assert inbox.types() == ["payment.failed"]
    body, headers = inbox.deliveries[0]
    notice = SandboxWebhookInterpreter().interpret(authenticator.authenticate(headers, body))
    assert notice == PaymentNotice("payment", "p-1", reference)


@pytest.mark.parametrize("method",
                         ["pm_card_threeDSecure2Required", "pm_card_authenticationRequired"])
def test_3d_secure_needs_the_customer_then_succeeds(
        gateway: SandboxPaymentGateway, inbox: Inbox, method: str) -> None:
    reference = gateway.start(request(method)).reference
    with pytest.raises(GatewayDeclined, match="confirm the payment"):
        gateway.authenticate(reference, True)

    state = gateway.complete(reference, "k")
    assert state.status == "requires_action" and state.received is None
    assert state.next_action == {"type": "sandbox_3ds", "authenticate": reference}
    assert gateway.complete(reference, "k") == state

    passed = gateway.authenticate(reference, passed=True)
    assert passed.status == "succeeded" and passed.received == Money(4999, "USD")
    assert passed.next_action is None
    assert gateway.authenticate(reference, passed=False) == passed  # too late: no change
    assert inbox.types() == ["payment.requires_action", "payment.succeeded"]


def test_3d_secure_that_fails_fails_the_payment(gateway: SandboxPaymentGateway,
                                                inbox: Inbox) -> None:
    reference = gateway.start(request("pm_card_threeDSecure2Required")).reference
    gateway.complete(reference, "k")
    failed = gateway.authenticate(reference, passed=False)
    assert (failed.status, failed.failure_reason) == ("failed", "authentication_failed")
    assert inbox.types() == ["payment.requires_action", "payment.failed"]


def test_cancel_closes_open_payments_only(gateway: SandboxPaymentGateway, inbox: Inbox) -> None:
    pending = gateway.start(request()).reference
    gateway.cancel(pending, "payment:p-1:cancel")
    gateway.cancel(pending, "payment:p-1:cancel")
    assert gateway.fetch(pending).status == "canceled"
    assert gateway.complete(pending, "k").status == "canceled"  # a closed one cannot be paid

    waiting = gateway.start(request("pm_card_authenticationRequired", key="b",
                                    payment_id="p-2")).reference
    gateway.complete(waiting, "k")
    gateway.cancel(waiting, "k")
    assert gateway.authenticate(waiting, True).status == "canceled"

    paid = gateway.start(request(key="c", payment_id="p-3")).reference
    gateway.complete(paid, "k")
    gateway.cancel(paid, "k")  # left alone
    assert gateway.fetch(paid).status == "succeeded"
    assert inbox.types() == ["payment.canceled", "payment.requires_action", "payment.canceled",
                             "payment.succeeded"]


def test_concurrent_confirms_change_the_payment_once(gateway: SandboxPaymentGateway,
                                                     inbox: Inbox) -> None:
    reference = gateway.start(request()).reference
    barrier, results = threading.Barrier(6), []

    def confirm() -> None:
        barrier.wait()
        results.append(gateway.complete(reference, "k").status)

    threads = [threading.Thread(target=confirm) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == ["succeeded"] * 6
    assert inbox.types() == ["payment.succeeded"]


def test_state_is_shared_by_every_gateway_on_the_database(
        engine: Engine, clock: FakeClock, inbox: Inbox) -> None:
    web = SandboxPaymentGateway(engine, clock, SECRET, inbox)
    worker = SandboxPaymentGateway(engine, clock, SECRET, inbox)
    reference = web.start(request()).reference
    worker.complete(reference, "k")
    assert web.fetch(reference).status == "succeeded"
    assert web.start(request()).reference == reference


# --- refunds -------------------------------------------------------------------------------


def test_refunds_add_up_to_the_amount_and_are_idempotent(
        gateway: SandboxPaymentGateway, inbox: Inbox,
        authenticator: SandboxWebhookAuthenticator) -> None:
    reference = gateway.start(request()).reference
    gateway.complete(reference, "k")

    first = gateway.refund(reference, reference, Money(1000, "USD"), "refund:r-1")
    assert first.status == "succeeded" and first.amount == Money(1000, "USD")
    assert first.reference.startswith("re_sbx_")
    assert gateway.refund(reference, reference, Money(1000, "USD"), "refund:r-1") == first
    state = gateway.fetch(reference)
    assert (state.status, state.refunded_minor) == ("succeeded", 1000)  # refunds travel as a total
    assert state.received == Money(4999, "USD")

    with pytest.raises(GatewayDeclined, match="another amount"):
        gateway.refund(reference, None, Money(2000, "USD"), "refund:r-1")
    with pytest.raises(GatewayDeclined, match=r"39\.99 USD is left"):
        gateway.refund(reference, None, Money(4000, "USD"), "refund:r-2")
    with pytest.raises(GatewayDeclined, match="EUR"):
        gateway.refund(reference, None, Money(100, "EUR"), "refund:r-3")
    with pytest.raises(GatewayDeclined, match="positive"):
        gateway.refund(reference, None, Money(0, "USD"), "refund:r-4")

    rest = gateway.refund(reference, None, Money(3999, "USD"), "refund:r-5")
    assert rest.reference != first.reference
    state = gateway.fetch(reference)
    assert (state.status, state.refunded_minor) == ("succeeded", 4999)
    with pytest.raises(GatewayDeclined, match="only a paid payment"):
        gateway.refund(reference, None, Money(1, "USD"), "refund:r-6")
    assert gateway.refund(reference, None, Money(3999, "USD"), "refund:r-5") == rest

    assert inbox.types() == ["payment.succeeded", "charge.refunded", "charge.refunded"]
    body, headers = inbox.deliveries[1]
    event = authenticator.authenticate(headers, body)
    assert event.payload["data"]["refund"] == {
        "id": first.reference, "amount_minor": 1000, "currency": "USD"}
    assert SandboxWebhookInterpreter().interpret(event) == PaymentNotice(
        "refund", "p-1", reference)


def test_an_unpaid_payment_cannot_be_refunded(gateway: SandboxPaymentGateway) -> None:
    reference = gateway.start(request("pm_card_chargeDeclined")).reference
    gateway.complete(reference, "k")
    with pytest.raises(GatewayDeclined, match="only a paid payment"):
        gateway.refund(reference, None, Money(100, "USD"), "refund:r-1")


# --- delivery ------------------------------------------------------------------------------


def test_redeliver_sends_the_same_bytes_with_a_fresh_signature(
        gateway: SandboxPaymentGateway, inbox: Inbox, clock: FakeClock,
        authenticator: SandboxWebhookAuthenticator) -> None:
    reference = gateway.start(request()).reference
    gateway.complete(reference, "k")
    first_body, first_headers = inbox.deliveries[0]
    event_id = json.loads(first_body)["id"]
    assert gateway.event_ids(reference) == [event_id]

    clock.advance(hours=2)  # the first signature is stale by now
    with pytest.raises(InvalidSignature):
        authenticator.authenticate(first_headers, first_body)
    gateway.redeliver(event_id)
    body, headers = inbox.deliveries[1]
    assert body == first_body
    assert authenticator.authenticate(headers, body).event_id == event_id
    with pytest.raises(GatewayDeclined, match="no sandbox event"):
        gateway.redeliver("evt_sbx_missing")


def test_a_failed_delivery_leaves_the_change_standing(
        gateway: SandboxPaymentGateway, inbox: Inbox, caplog: pytest.LogCaptureFixture) -> None:
    reference = gateway.start(request()).reference
    inbox.fail = True
    assert gateway.complete(reference, "k").status == "succeeded"
    assert "could not deliver" in caplog.text
    inbox.fail = False
    gateway.redeliver(gateway.event_ids(reference)[0])
    assert len(inbox.deliveries) == 2 and inbox.deliveries[0][0] == inbox.deliveries[1][0]


# --- the authenticator ---------------------------------------------------------------------


def signed(body: bytes, clock: FakeClock, secret: str = SECRET, shift: int = 0) -> dict[str, str]:
    return {SIGNATURE_HEADER: sign(secret, int(clock.now().timestamp()) + shift, body)}


BODY = b'{"id":"evt_sbx_1","type":"payment.succeeded","created":1,"data":{"reference":"sbx_1",' \
       b'"payment_id":"p-1","order_id":"o-1"}}'


def test_a_good_signature_passes_within_the_tolerance(
        clock: FakeClock, authenticator: SandboxWebhookAuthenticator) -> None:
    for shift in (0, -300, 300):
        event = authenticator.authenticate(signed(BODY, clock, shift=shift), BODY)
        assert event == WebhookEvent("sandbox", "evt_sbx_1", "payment.succeeded",
                                     json.loads(BODY))
    lower = {SIGNATURE_HEADER.lower(): sign(SECRET, int(clock.now().timestamp()), BODY)}
    assert authenticator.authenticate(lower, BODY).event_id == "evt_sbx_1"


def test_any_of_several_signatures_may_match(
        clock: FakeClock, authenticator: SandboxWebhookAuthenticator) -> None:
    now = int(clock.now().timestamp())
    good = sign(SECRET, now, BODY).split("v1=")[1]
    header = f"t={now},v1={'0' * 64},v0=abc,v1={good}"
    assert authenticator.authenticate({SIGNATURE_HEADER: header}, BODY).event_id == "evt_sbx_1"


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {SIGNATURE_HEADER: ""},
        {SIGNATURE_HEADER: "v1=abc"},
        {SIGNATURE_HEADER: "t=1767603600"},
        {SIGNATURE_HEADER: "t=soon,v1=abc"},
        {SIGNATURE_HEADER: "t=1767603600,v1=" + "0" * 64},
        {SIGNATURE_HEADER: "t=1767603600,v1=\u00e9\u00e9"},
        {"Stripe-Signature": "t=1767603600,v1=abc"},
    ],
)
def test_missing_malformed_or_wrong_signatures_are_refused(
        authenticator: SandboxWebhookAuthenticator, headers: dict[str, str]) -> None:
    with pytest.raises(InvalidSignature):
        authenticator.authenticate(headers, BODY)


def test_forged_or_tampered_deliveries_are_refused(
        clock: FakeClock, authenticator: SandboxWebhookAuthenticator) -> None:
    with pytest.raises(InvalidSignature, match="does not match"):
        authenticator.authenticate(signed(BODY, clock, secret="whsec_attacker"), BODY)
    with pytest.raises(InvalidSignature, match="does not match"):
        authenticator.authenticate(signed(BODY, clock), BODY.replace(b"p-1", b"p-2"))


def test_stale_and_future_deliveries_are_refused(
        clock: FakeClock, authenticator: SandboxWebhookAuthenticator) -> None:
    with pytest.raises(InvalidSignature, match="ago"):
        authenticator.authenticate(signed(BODY, clock, shift=-301), BODY)
    with pytest.raises(InvalidSignature, match="future"):
        authenticator.authenticate(signed(BODY, clock, shift=301), BODY)
    strict = SandboxWebhookAuthenticator(SECRET, clock, tolerance=10)
    with pytest.raises(InvalidSignature):
        strict.authenticate(signed(BODY, clock, shift=-11), BODY)


@pytest.mark.parametrize("body", [b"not json", b"\xff\xfe", b"[1, 2]", b'{"id": 1, "type": "x"}',
                                  b'{"type": "payment.succeeded"}'])
def test_signed_bodies_that_are_not_events_are_refused(
        clock: FakeClock, authenticator: SandboxWebhookAuthenticator, body: bytes) -> None:
    with pytest.raises(InvalidSignature):
        authenticator.authenticate(signed(body, clock), body)


def test_the_interpreter_ignores_other_events() -> None:
    interpret = SandboxWebhookInterpreter().interpret
    assert interpret(WebhookEvent("sandbox", "e", "customer.created", {})) == \
        PaymentNotice("ignore")
    assert interpret(WebhookEvent("sandbox", "e", "payment.canceled", {"data": "x"})) == \
        PaymentNotice("payment", None, None)
