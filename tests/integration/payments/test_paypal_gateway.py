"""The PayPal adapter through ``paypalrestsdk`` (our ``SafePayPalApi``) against ``FakePayPal``.

The fake validates every request body against PayPal's OpenAPI documents, so each test that
talks to it also asserts ``fake.invalid_requests == []``: the adapter never sent a body PayPal
would refuse.
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from adapters.outbound.payments.paypal import (
    PayPalPaymentGateway,
    PayPalRefusal,
    PayPalWebhookAuthenticator,
    PayPalWebhookInterpreter,
    SafePayPalApi,
    build_paypal_api,
)
from application.payments.errors import GatewayDeclined, GatewayMisconfigured, GatewayUnavailable
from application.payments.ports import CheckoutLine, PaymentRequest
from application.shared.errors import InvalidSignature
from application.shared.ports import WebhookEvent
from domain.shared.money import Money
from tests.unit.shared.fakes import FakeClock
from tests.vendor_servers.base import LocalServer, RecordedRequest
from tests.vendor_servers.paypal_server import FakePayPal

EXPIRES = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)


# ------------------------------------------------------------------------------------------
# fixtures and helpers
# ------------------------------------------------------------------------------------------
@pytest.fixture
def fake() -> Iterator[FakePayPal]:
    with FakePayPal() as server:
        yield server
        assert server.invalid_requests == [], [r.response for r in server.invalid_requests]


def make_api(fake: FakePayPal, *, timeout: float = 5, secret: str | None = None) -> SafePayPalApi:
    return build_paypal_api("sandbox", fake.client_id, secret or fake.client_secret,
                            api_base=fake.url, timeout_seconds=timeout)


@pytest.fixture
def api(fake: FakePayPal) -> SafePayPalApi:
    return make_api(fake)


@pytest.fixture
def gateway(api: SafePayPalApi) -> PayPalPaymentGateway:
    return PayPalPaymentGateway(api, brand_name="eduport")


def payment_request(amount: Money | None = None, *, payment_id: str = "pay-1",
                    lines: tuple[CheckoutLine, ...] | None = None,
                    key: str | None = None) -> PaymentRequest:
    amount = amount or Money(1000, "USD")
    if lines is None:
        lines = (CheckoutLine("course-1", "Algebra I", amount),)
    return PaymentRequest(
        payment_id=payment_id, order_id="order-1", flow="paypal_order", amount=amount,
        lines=lines, description="eduport: Algebra I", customer_email="ann@example.test",
        success_url="https://eduport.example/checkout/success",
        cancel_url="https://eduport.example/checkout/cancel", expires_at=EXPIRES,
        idempotency_key=key or f"payment:{payment_id}:create",
    )


def calls(fake: FakePayPal, method: str, path: str) -> list[RecordedRequest]:
    return [r for r in fake.requests if r.method == method and r.path == path]


def token_calls(fake: FakePayPal) -> list[RecordedRequest]:
    return calls(fake, "POST", "/v1/oauth2/token")


def approved_order(gateway: PayPalPaymentGateway, fake: FakePayPal,
                   request: PaymentRequest | None = None) -> str:
    session = gateway.start(request or payment_request())
    fake.approve(session.reference)
    return session.reference


def paid_order(gateway: PayPalPaymentGateway, fake: FakePayPal,
               request: PaymentRequest | None = None) -> tuple[str, str]:
    order_id = approved_order(gateway, fake, request)
    state = gateway.complete(order_id, f"order:{order_id}:capture")
    assert state.status == "succeeded" and state.provider_payment_id
    return order_id, state.provider_payment_id


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


# ------------------------------------------------------------------------------------------
# the client
# ------------------------------------------------------------------------------------------
def test_build_paypal_api_uses_the_official_host_of_each_mode() -> None:
    sandbox = build_paypal_api("sandbox", "id", "secret")
    live = build_paypal_api("live", "id", "secret", timeout_seconds=3)
    assert sandbox.endpoint == "https://api-m.sandbox.paypal.com"
    assert live.endpoint == "https://api-m.paypal.com"
    assert (sandbox.timeout_seconds, live.timeout_seconds) == (10, 3)
    assert build_paypal_api("live", "id", "s", api_base="http://127.0.0.1:9/").endpoint == \
        "http://127.0.0.1:9"
    for mode in ("Sandbox", "production", ""):
        with pytest.raises(ValueError, match="sandbox"):
            build_paypal_api(mode, "id", "secret")


def test_a_token_is_fetched_once_then_sent_as_bearer(
    gateway: PayPalPaymentGateway, fake: FakePayPal
) -> None:
    session = gateway.start(payment_request())
    gateway.fetch(session.reference)

    assert [(r.method, r.path) for r in fake.requests] == [
        ("POST", "/v1/oauth2/token"),
        ("POST", "/v2/checkout/orders"),
        ("GET", f"/v2/checkout/orders/{session.reference}"),
    ]
    token = fake.requests[0]
    assert (token.header("Authorization") or "").startswith("Basic ")
    assert token.params == {"grant_type": "client_credentials"}
    assert token.header("PayPal-Request-Id") is None  # our headers stay on the API call
    access_token = token.response["access_token"]
    for call in fake.requests[1:]:
        assert call.header("Authorization") == f"Bearer {access_token}"
    assert fake.requests[2].raw_body == b""  # a GET without the SDK's literal "null" body


# ------------------------------------------------------------------------------------------
# start
# ------------------------------------------------------------------------------------------
def test_start_creates_a_spec_valid_order_and_returns_the_approval_link(
    gateway: PayPalPaymentGateway, fake: FakePayPal
) -> None:
    lines = (CheckoutLine("course-1", "Algebra I", Money(600, "USD")),
             CheckoutLine("course-2", "Geometry", Money(400, "USD")))
    session = gateway.start(payment_request(Money(1000, "USD"), lines=lines))

    (create,) = calls(fake, "POST", "/v2/checkout/orders")
    assert create.header("PayPal-Request-Id") == "payment:pay-1:create"
    assert create.header("Prefer") == "return=representation"
    body = create.params
    assert body["intent"] == "CAPTURE"
    (unit,) = body["purchase_units"]
    assert unit["custom_id"] == unit["invoice_id"] == "pay-1"
    assert unit["reference_id"] == "order-1"
    assert unit["description"] == "eduport: Algebra I"
    assert unit["amount"] == {"currency_code": "USD", "value": "10.00",
                              "breakdown": {"item_total": {"currency_code": "USD",
                                                           "value": "10.00"}}}
    assert [(i["name"], i["quantity"], i["unit_amount"]["value"], i["category"])
            for i in unit["items"]] == [("Algebra I", "1", "6.00", "DIGITAL_GOODS"),
                                        ("Geometry", "1", "4.00", "DIGITAL_GOODS")]
    assert body["payment_source"]["paypal"]["experience_context"] == {
        "return_url": "https://eduport.example/checkout/success",
        "cancel_url": "https://eduport.example/checkout/cancel",
        "brand_name": "eduport",
        "shipping_preference": "NO_SHIPPING",
        "user_action": "PAY_NOW",
    }
    assert create.status == 201
    assert session.provider == "paypal"
    assert session.reference in fake.orders
    assert session.client_secret is None
    assert session.redirect_url == \
        f"https://www.sandbox.paypal.com/checkoutnow?token={session.reference}"
    assert session.expires_at == EXPIRES
    assert fake.order(session.reference)["status"] == "PAYER_ACTION_REQUIRED"


def test_start_again_with_the_same_key_replays_the_same_order(
    gateway: PayPalPaymentGateway, fake: FakePayPal
) -> None:
    first = gateway.start(payment_request())
    second = gateway.start(payment_request())

    assert second == first
    assert len(fake.orders) == 1
    creates = calls(fake, "POST", "/v2/checkout/orders")
    assert [c.replayed for c in creates] == [False, True]


def test_start_omits_items_when_the_lines_do_not_add_up_to_the_amount(
    gateway: PayPalPaymentGateway, fake: FakePayPal
) -> None:
    # A converted price can differ from the sum of the converted lines by a rounding cent.
    lines = (CheckoutLine("course-1", "Algebra I", Money(333, "USD")),
             CheckoutLine("course-2", "Geometry", Money(333, "USD")))
    gateway.start(payment_request(Money(667, "USD"), lines=lines))

    (unit,) = calls(fake, "POST", "/v2/checkout/orders")[0].params["purchase_units"]
    assert unit["amount"] == {"currency_code": "USD", "value": "6.67"}
    assert "items" not in unit


def test_zero_decimal_currencies_are_sent_without_decimals(
    gateway: PayPalPaymentGateway, fake: FakePayPal
) -> None:
    order_id, _ = paid_order(gateway, fake, payment_request(Money(1000, "JPY"), payment_id="p-j"))
    huf = gateway.start(payment_request(Money(150000, "HUF"), payment_id="p-h"))

    values = [c.params["purchase_units"][0]["amount"]["value"]
              for c in calls(fake, "POST", "/v2/checkout/orders")]
    assert values == ["1000", "1500"]
    assert gateway.fetch(order_id).received == Money(1000, "JPY")
    assert fake.order(huf.reference)["purchase_units"][0]["amount"]["currency_code"] == "HUF"


def test_a_fraction_of_a_forint_is_declined_without_calling_paypal(
    gateway: PayPalPaymentGateway, fake: FakePayPal
) -> None:
    with pytest.raises(GatewayDeclined, match="no decimals in HUF"):
        gateway.start(payment_request(Money(150050, "HUF")))
    assert fake.requests == []


def test_unsupported_currencies(gateway: PayPalPaymentGateway, fake: FakePayPal) -> None:
    assert gateway.supports("EGP") is False
    assert gateway.supports("KWD") is False
    assert all(gateway.supports(c) for c in ("USD", "EUR", "JPY", "HUF", "TWD", "GBP"))
    with pytest.raises(GatewayDeclined, match="does not support EGP"):
        gateway.start(payment_request(Money(50000, "EGP")))
    assert fake.requests == []


def test_start_refuses_relative_return_urls_and_other_flows(
    gateway: PayPalPaymentGateway, fake: FakePayPal
) -> None:
    request = payment_request()
    with pytest.raises(GatewayDeclined, match="absolute"):
        gateway.start(PaymentRequest(**{**request.__dict__, "success_url": "/checkout/ok"}))
    with pytest.raises(GatewayDeclined, match="paypal_order"):
        gateway.start(PaymentRequest(**{**request.__dict__, "flow": "payment_intent"}))
    assert fake.requests == []


# ------------------------------------------------------------------------------------------
# complete and fetch
# ------------------------------------------------------------------------------------------
def test_an_approved_order_is_captured_and_succeeds(
    gateway: PayPalPaymentGateway, fake: FakePayPal
) -> None:
    order_id = approved_order(gateway, fake)
    assert gateway.fetch(order_id).status == "pending"  # approved is not paid

    state = gateway.complete(order_id, "payment:pay-1:capture")

    (capture_call,) = calls(fake, "POST", f"/v2/checkout/orders/{order_id}/capture")
    assert capture_call.header("PayPal-Request-Id") == "payment:pay-1:capture"
    assert capture_call.params == {}
    capture = fake.order(order_id)["purchase_units"][0]["payments"]["captures"][0]
    assert capture["status"] == "COMPLETED"
    assert state.status == "succeeded"
    assert state.reference == order_id
    assert state.received == Money(1000, "USD")
    assert state.provider_payment_id == capture["id"]
    assert state.refunded_minor == 0
    assert state.failure_reason is None
    assert gateway.fetch(order_id) == state


def test_a_declined_capture_of_a_completed_order_is_a_failure(
    gateway: PayPalPaymentGateway, fake: FakePayPal
) -> None:
    order_id = approved_order(gateway, fake)
    fake.set_capture_outcome("DECLINED")

    state = gateway.complete(order_id, "k-capture")

    assert fake.order(order_id)["status"] == "COMPLETED"  # the order, not the money
    assert state.status == "failed"
    assert state.received is None
    assert state.failure_reason == "DECLINED"
    assert gateway.fetch(order_id).status == "failed"


def test_a_pending_capture_is_not_a_success(
    gateway: PayPalPaymentGateway, fake: FakePayPal
) -> None:
    order_id = approved_order(gateway, fake)
    fake.set_capture_outcome("PENDING")

    state = gateway.complete(order_id, "k-capture")

    assert fake.order(order_id)["status"] == "COMPLETED"
    assert (state.status, state.received) == ("pending", None)
    assert state.provider_payment_id is not None
    assert gateway.fetch(order_id).status == "pending"


def test_an_instrument_declined_capture_is_a_failed_state(
    gateway: PayPalPaymentGateway, fake: FakePayPal
) -> None:
    order_id = approved_order(gateway, fake)
    fake.set_capture_outcome("INSTRUMENT_DECLINED")

    state = gateway.complete(order_id, "k-capture")

    assert (state.status, state.failure_reason) == ("failed", "INSTRUMENT_DECLINED")
    assert state.received is None
    assert fake.order(order_id)["status"] == "APPROVED"  # the buyer may pick another source


def test_complete_before_the_buyer_approved_is_pending(
    gateway: PayPalPaymentGateway, fake: FakePayPal
) -> None:
    session = gateway.start(payment_request())

    state = gateway.complete(session.reference, "k-capture")

    (capture_call,) = calls(fake, "POST", f"/v2/checkout/orders/{session.reference}/capture")
    assert capture_call.status == 422
    assert (state.status, state.received) == ("pending", None)
    assert fake.order(session.reference)["status"] == "PAYER_ACTION_REQUIRED"


def test_a_second_complete_returns_the_same_success(
    gateway: PayPalPaymentGateway, fake: FakePayPal
) -> None:
    order_id = approved_order(gateway, fake)
    first = gateway.complete(order_id, "k-capture")

    replayed = gateway.complete(order_id, "k-capture")  # same key: PayPal replays
    other_key = gateway.complete(order_id, "k-capture-2")  # ORDER_ALREADY_CAPTURED -> read

    assert replayed == first
    assert other_key == first
    assert first.status == "succeeded"
    assert len(fake.captures) == 1
    assert calls(fake, "POST", f"/v2/checkout/orders/{order_id}/capture")[1].replayed


# ------------------------------------------------------------------------------------------
# cancel and refund
# ------------------------------------------------------------------------------------------
def test_cancel_is_a_no_op_that_never_raises(
    gateway: PayPalPaymentGateway, fake: FakePayPal
) -> None:
    session = gateway.start(payment_request())
    before = len(fake.requests)

    gateway.cancel(session.reference, "k-cancel")
    gateway.cancel("UNKNOWN-ORDER", "k-cancel")

    assert len(fake.requests) == before
    assert gateway.fetch(session.reference).status == "pending"


def test_partial_then_full_refunds_add_up(
    gateway: PayPalPaymentGateway, fake: FakePayPal
) -> None:
    order_id, capture_id = paid_order(gateway, fake)

    first = gateway.refund(order_id, "pay-1", Money(300, "USD"), "refund:r1")
    assert (first.status, first.amount) == ("succeeded", Money(300, "USD"))
    after_first = gateway.fetch(order_id)
    assert (after_first.status, after_first.refunded_minor) == ("succeeded", 300)

    second = gateway.refund(order_id, "pay-1", Money(700, "USD"), "refund:r2")
    assert second.reference != first.reference
    state = gateway.fetch(order_id)
    assert (state.status, state.refunded_minor) == ("succeeded", 1000)
    assert state.received == Money(1000, "USD")

    refund_calls = calls(fake, "POST", f"/v2/payments/captures/{capture_id}/refund")
    assert [c.header("PayPal-Request-Id") for c in refund_calls] == ["refund:r1", "refund:r2"]
    assert refund_calls[0].params["amount"] == {"currency_code": "USD", "value": "3.00"}
    assert refund_calls[0].params["custom_id"] == "pay-1"
    assert refund_calls[0].params["note_to_payer"]
    assert fake.refund(first.reference)["status"] == "COMPLETED"
    assert fake.capture(capture_id)["status"] == "REFUNDED"


def test_a_repeated_refund_key_does_not_refund_twice(
    gateway: PayPalPaymentGateway, fake: FakePayPal
) -> None:
    order_id, _ = paid_order(gateway, fake)

    first = gateway.refund(order_id, "pay-1", Money(300, "USD"), "refund:r1")
    again = gateway.refund(order_id, "pay-1", Money(300, "USD"), "refund:r1")

    assert again == first
    assert len(fake.refunds) == 1
    assert gateway.fetch(order_id).refunded_minor == 300


def test_a_pending_refund_is_not_counted_as_refunded(
    gateway: PayPalPaymentGateway, fake: FakePayPal
) -> None:
    order_id, _ = paid_order(gateway, fake)
    fake.set_refund_outcome("PENDING")

    receipt = gateway.refund(order_id, None, Money(1000, "USD"), "refund:r1")

    assert receipt.status == "pending"
    assert gateway.fetch(order_id).refunded_minor == 0


def test_refusing_refunds(gateway: PayPalPaymentGateway, fake: FakePayPal) -> None:
    order_id, _ = paid_order(gateway, fake)
    unpaid = gateway.start(payment_request(payment_id="pay-2")).reference

    with pytest.raises(GatewayDeclined, match="REFUND_AMOUNT_EXCEEDED"):
        gateway.refund(order_id, "pay-1", Money(1001, "USD"), "refund:too-much")
    with pytest.raises(GatewayDeclined, match="captured nothing"):
        gateway.refund(unpaid, "pay-2", Money(100, "USD"), "refund:unpaid")
    with pytest.raises(GatewayDeclined, match="not EUR"):
        gateway.refund(order_id, "pay-1", Money(100, "EUR"), "refund:eur")
    assert fake.refunds == {}


# ------------------------------------------------------------------------------------------
# transient failures and refusals
# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("status", [500, 503, 429])
def test_server_errors_are_unavailable_and_a_retry_with_the_same_key_works(
    gateway: PayPalPaymentGateway, fake: FakePayPal, status: int
) -> None:
    fake.fail_next(1, status=status)
    with pytest.raises(GatewayUnavailable):
        gateway.start(payment_request())
    assert fake.orders == {}

    session = gateway.start(payment_request())

    assert list(fake.orders) == [session.reference]
    keys = [c.header("PayPal-Request-Id") for c in calls(fake, "POST", "/v2/checkout/orders")]
    assert keys == ["payment:pay-1:create"] * 2


def test_a_timeout_is_unavailable_and_the_retry_gets_the_same_order(fake: FakePayPal) -> None:
    gateway = PayPalPaymentGateway(make_api(fake, timeout=0.3))
    fake.delay_next(1, 1.5)  # delays the order call; token calls are never delayed

    started = time.monotonic()
    with pytest.raises(GatewayUnavailable, match="Timeout"):
        gateway.start(payment_request())
    assert time.monotonic() - started < 1.4  # the client gave up; it did not wait for PayPal

    # PayPal finished the slow request after we gave up: the retry must not open a second order.
    deadline = time.monotonic() + 5
    while calls(fake, "POST", "/v2/checkout/orders")[0].status is None:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    session = gateway.start(payment_request())

    assert list(fake.orders) == [session.reference]
    assert calls(fake, "POST", "/v2/checkout/orders")[-1].replayed


def test_an_unreachable_paypal_is_unavailable() -> None:
    api = build_paypal_api("sandbox", "id", "secret", api_base=f"http://127.0.0.1:{free_port()}",
                           timeout_seconds=2)
    with pytest.raises(GatewayUnavailable, match="could not be reached"):
        PayPalPaymentGateway(api).fetch("5O190127TN364715T")


def test_a_2xx_that_is_not_json_is_unavailable() -> None:
    def proxy_page(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        if environ["PATH_INFO"] == "/v1/oauth2/token":
            start_response("200 OK", [("Content-Type", "application/json")])
            return [b'{"access_token": "A21AA-token", "token_type": "Bearer", "expires_in": 60}']
        start_response("200 OK", [("Content-Type", "text/html")])
        return [b"<html>captive portal</html>"]

    with LocalServer(proxy_page) as server:
        api = build_paypal_api("sandbox", "id", "secret", api_base=server.url)
        with pytest.raises(GatewayUnavailable, match="not JSON"):
            PayPalPaymentGateway(api).fetch("5O190127TN364715T")


def test_an_expired_token_is_fetched_again_once(
    gateway: PayPalPaymentGateway, fake: FakePayPal
) -> None:
    session = gateway.start(payment_request())
    fake.expire_tokens()

    state = gateway.fetch(session.reference)

    assert state.status == "pending"
    assert [(r.method, r.path, r.status) for r in fake.requests[2:]] == [
        ("GET", f"/v2/checkout/orders/{session.reference}", 401),
        ("POST", "/v1/oauth2/token", 200),
        ("GET", f"/v2/checkout/orders/{session.reference}", 200),
    ]


def test_a_persistent_401_is_misconfiguration_after_one_reauthentication(
    gateway: PayPalPaymentGateway, fake: FakePayPal
) -> None:
    fake.fail_next(1000, status=401)

    with pytest.raises(GatewayMisconfigured) as raised:
        gateway.fetch("5O190127TN364715T")

    assert len(fake.requests) == 4  # token, 401, token, 401 (the stock SDK recurses ~550x)
    assert len(token_calls(fake)) == 2
    message = str(raised.value)
    assert "AUTHENTICATION_FAILURE" in message and "401" in message
    for token in (r.response["access_token"] for r in token_calls(fake)):
        assert token not in message
    fake.clear_faults()


def test_wrong_credentials_are_misconfiguration_without_leaking_them(fake: FakePayPal) -> None:
    gateway = PayPalPaymentGateway(make_api(fake, secret="wrong-secret-value"))

    with pytest.raises(GatewayMisconfigured) as raised:
        gateway.start(payment_request())

    assert len(fake.requests) == 2  # two token attempts, no order call
    assert "wrong-secret-value" not in str(raised.value)
    assert fake.client_id not in str(raised.value)
    assert "invalid_client" in str(raised.value)


@pytest.mark.parametrize(("status", "name"), [(400, "INVALID_REQUEST"),
                                              (422, "UNPROCESSABLE_ENTITY")])
def test_refusals_are_declined(gateway: PayPalPaymentGateway, fake: FakePayPal, status: int,
                               name: str) -> None:
    fake.fail_next(1, status=status)

    with pytest.raises(PayPalRefusal) as raised:
        gateway.start(payment_request())

    assert isinstance(raised.value, GatewayDeclined)
    assert (raised.value.status, raised.value.name) == (status, name)
    assert raised.value.debug_id


def test_a_403_is_misconfiguration(gateway: PayPalPaymentGateway, fake: FakePayPal) -> None:
    fake.fail_next(1, status=403)

    with pytest.raises(GatewayMisconfigured, match="NOT_AUTHORIZED") as raised:
        gateway.start(payment_request())

    assert isinstance(raised.value, GatewayUnavailable)  # retried later, never "declined"
    assert "debug id" in str(raised.value)


def test_an_unknown_order_is_declined(gateway: PayPalPaymentGateway) -> None:
    with pytest.raises(GatewayDeclined, match="INVALID_RESOURCE_ID"):
        gateway.fetch("NOSUCHORDER000000")


class StubClient:
    """Answers GET with a fixed order, for states the fake cannot produce."""

    def __init__(self, order: dict[str, Any]) -> None:
        self.order = order

    def get(self, action: str, headers: Any = None) -> Any:
        return self.order

    def post(self, action: str, params: Any = None, headers: Any = None) -> Any:
        raise AssertionError("no POST expected")


def test_a_voided_order_is_canceled_and_a_refunded_capture_without_refund_list_counts_fully(
) -> None:
    voided = PayPalPaymentGateway(StubClient({"id": "O1", "status": "VOIDED"}))
    assert voided.fetch("O1").status == "canceled"

    refunded = PayPalPaymentGateway(StubClient({"id": "O2", "status": "COMPLETED",
                                                "purchase_units": [{"payments": {"captures": [
                                                    {"id": "C2", "status": "REFUNDED",
                                                     "amount": {"currency_code": "HUF",
                                                                "value": "1500"}}]}}]}))
    state = refunded.fetch("O2")
    assert (state.status, state.received, state.refunded_minor) == \
        ("succeeded", Money(150000, "HUF"), 150000)


# ------------------------------------------------------------------------------------------
# webhooks: authentication
# ------------------------------------------------------------------------------------------
@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime.now(UTC))


def authenticator(api: SafePayPalApi, fake: FakePayPal, clock: FakeClock,
                  webhook_id: str | None = None) -> PayPalWebhookAuthenticator:
    return PayPalWebhookAuthenticator(api, webhook_id or fake.webhook_id, clock, tolerance=600)


def capture_event(gateway: PayPalPaymentGateway, fake: FakePayPal,
                  event_type: str = "PAYMENT.CAPTURE.COMPLETED") -> dict[str, Any]:
    _, capture_id = paid_order(gateway, fake)
    return fake.webhook_event(event_type, fake.capture(capture_id))


def test_a_genuine_delivery_is_verified_by_paypal(
    api: SafePayPalApi, gateway: PayPalPaymentGateway, fake: FakePayPal, clock: FakeClock
) -> None:
    event = capture_event(gateway, fake)
    headers = fake.transmission_headers(event)

    delivered = authenticator(api, fake, clock).authenticate(headers, json.dumps(event).encode())

    assert delivered == WebhookEvent(provider="paypal", event_id=event["id"],
                                     event_type="PAYMENT.CAPTURE.COMPLETED", payload=event)
    (verify,) = calls(fake, "POST", "/v1/notifications/verify-webhook-signature")
    assert verify.params == {
        "auth_algo": headers["PAYPAL-AUTH-ALGO"],
        "cert_url": headers["PAYPAL-CERT-URL"],
        "transmission_id": headers["PAYPAL-TRANSMISSION-ID"],
        "transmission_sig": headers["PAYPAL-TRANSMISSION-SIG"],
        "transmission_time": headers["PAYPAL-TRANSMISSION-TIME"],
        "webhook_id": fake.webhook_id,
        "webhook_event": event,
    }
    assert verify.response == {"verification_status": "SUCCESS"}


def test_header_names_are_case_insensitive(
    api: SafePayPalApi, gateway: PayPalPaymentGateway, fake: FakePayPal, clock: FakeClock
) -> None:
    event = capture_event(gateway, fake)
    headers = {k.lower(): v for k, v in fake.transmission_headers(event).items()}

    delivered = authenticator(api, fake, clock).authenticate(headers, json.dumps(event).encode())

    assert delivered.event_id == event["id"]


def test_another_webhook_id_fails_verification(
    api: SafePayPalApi, gateway: PayPalPaymentGateway, fake: FakePayPal, clock: FakeClock
) -> None:
    event = capture_event(gateway, fake)
    headers = fake.transmission_headers(event)

    with pytest.raises(InvalidSignature, match="did not verify"):
        authenticator(api, fake, clock, webhook_id="9XW12345ABCDE").authenticate(
            headers, json.dumps(event).encode())

    (verify,) = calls(fake, "POST", "/v1/notifications/verify-webhook-signature")
    assert verify.response == {"verification_status": "FAILURE"}


def test_a_tampered_body_fails_verification(
    api: SafePayPalApi, gateway: PayPalPaymentGateway, fake: FakePayPal, clock: FakeClock
) -> None:
    event = capture_event(gateway, fake)
    headers = fake.transmission_headers(event)
    forged = json.loads(json.dumps(event))
    forged["resource"]["custom_id"] = "someone-elses-payment"

    with pytest.raises(InvalidSignature):
        authenticator(api, fake, clock).authenticate(headers, json.dumps(forged).encode())

    (verify,) = calls(fake, "POST", "/v1/notifications/verify-webhook-signature")
    assert verify.response == {"verification_status": "FAILURE"}


@pytest.mark.parametrize("missing", ["PAYPAL-TRANSMISSION-ID", "PAYPAL-TRANSMISSION-TIME",
                                     "PAYPAL-TRANSMISSION-SIG", "PAYPAL-CERT-URL",
                                     "PAYPAL-AUTH-ALGO"])
def test_a_delivery_without_a_signature_header_is_refused_locally(
    api: SafePayPalApi, fake: FakePayPal, clock: FakeClock, missing: str
) -> None:
    event = fake.webhook_event("PAYMENT.CAPTURE.COMPLETED", {"id": "C1", "custom_id": "pay-1"})
    headers = fake.transmission_headers(event)
    del headers[missing]

    with pytest.raises(InvalidSignature, match=missing.lower()):
        authenticator(api, fake, clock).authenticate(headers, json.dumps(event).encode())

    assert fake.requests == []


@pytest.mark.parametrize("shift", [timedelta(seconds=601), timedelta(seconds=-601)])
def test_a_delivery_outside_the_tolerance_is_refused(
    api: SafePayPalApi, fake: FakePayPal, clock: FakeClock, shift: timedelta
) -> None:
    event = fake.webhook_event("PAYMENT.CAPTURE.COMPLETED", {"id": "C1", "custom_id": "pay-1"})
    headers = fake.transmission_headers(event)
    sent_at = datetime.fromisoformat(headers["PAYPAL-TRANSMISSION-TIME"].replace("Z", "+00:00"))
    body = json.dumps(event).encode()
    auth = authenticator(api, fake, clock)

    clock.current = sent_at + shift
    with pytest.raises(InvalidSignature, match="time window"):
        auth.authenticate(headers, body)
    assert fake.requests == []

    clock.current = sent_at + shift * 599 / 601  # just inside: verified
    assert auth.authenticate(headers, body).event_id == event["id"]


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b"{\"id\": \"WH-1\"}",
                                  b"\xff\xfe", b"{\"id\": \"WH-1\", \"event_type\": \"X\", "
                                  b"\"amount\": NaN}"])
def test_a_body_that_is_not_an_event_is_refused(
    api: SafePayPalApi, fake: FakePayPal, clock: FakeClock, body: bytes
) -> None:
    headers = fake.transmission_headers({"id": "WH-1"})

    with pytest.raises(InvalidSignature):
        authenticator(api, fake, clock).authenticate(headers, body)

    assert fake.requests == []


def test_paypal_unavailable_during_verification_is_unavailable(
    api: SafePayPalApi, gateway: PayPalPaymentGateway, fake: FakePayPal, clock: FakeClock
) -> None:
    event = capture_event(gateway, fake)
    headers = fake.transmission_headers(event)
    fake.fail_next(1, status=503)

    with pytest.raises(GatewayUnavailable):
        authenticator(api, fake, clock).authenticate(headers, json.dumps(event).encode())


def test_a_webhook_id_paypal_would_refuse_is_a_configuration_error(
    api: SafePayPalApi, clock: FakeClock
) -> None:
    with pytest.raises(ValueError, match="letters and digits"):
        PayPalWebhookAuthenticator(api, "WH-8PT597110X", clock)


# ------------------------------------------------------------------------------------------
# webhooks: interpretation
# ------------------------------------------------------------------------------------------
def as_event(payload: dict[str, Any]) -> WebhookEvent:
    return WebhookEvent("paypal", str(payload.get("id")), str(payload.get("event_type")),
                        payload)


def test_capture_events_are_payment_notices(
    gateway: PayPalPaymentGateway, fake: FakePayPal
) -> None:
    interpreter = PayPalWebhookInterpreter()
    order_id, capture_id = paid_order(gateway, fake)
    fake.set_capture_outcome("DECLINED")
    declined_order = approved_order(gateway, fake, payment_request(payment_id="pay-2"))
    declined = gateway.complete(declined_order, "k-declined")
    fake.set_capture_outcome("PENDING")
    pending_order = approved_order(gateway, fake, payment_request(payment_id="pay-3"))
    pending = gateway.complete(pending_order, "k-pending")

    for event_type, capture, payment_id, reference in [
        ("PAYMENT.CAPTURE.COMPLETED", capture_id, "pay-1", order_id),
        ("PAYMENT.CAPTURE.DENIED", declined.provider_payment_id, "pay-2", declined_order),
        ("PAYMENT.CAPTURE.PENDING", pending.provider_payment_id, "pay-3", pending_order),
    ]:
        assert capture is not None
        event = fake.webhook_event(event_type, fake.capture(capture))
        notice = interpreter.interpret(as_event(event))
        assert (notice.kind, notice.payment_id, notice.reference) == \
            ("payment", payment_id, reference), event_type


def test_a_refund_event_is_a_refund_notice_for_the_capture(
    gateway: PayPalPaymentGateway, fake: FakePayPal
) -> None:
    interpreter = PayPalWebhookInterpreter()
    order_id, capture_id = paid_order(gateway, fake)
    ours = gateway.refund(order_id, "pay-1", Money(300, "USD"), "refund:r1")
    dashboard = gateway.refund(order_id, None, Money(200, "USD"), "refund:r2")

    notice = interpreter.interpret(as_event(
        fake.webhook_event("PAYMENT.CAPTURE.REFUNDED", fake.refund(ours.reference))))
    assert (notice.kind, notice.payment_id, notice.reference) == ("refund", "pay-1", capture_id)

    notice = interpreter.interpret(as_event(
        fake.webhook_event("PAYMENT.CAPTURE.REFUNDED", fake.refund(dashboard.reference))))
    assert (notice.kind, notice.payment_id, notice.reference) == ("refund", None, capture_id)

    with_order = {**fake.refund(ours.reference),
                  "supplementary_data": {"related_ids": {"order_id": order_id}}}
    notice = interpreter.interpret(as_event(
        fake.webhook_event("PAYMENT.CAPTURE.REFUNDED", with_order)))
    assert notice.reference == order_id


def test_a_reversal_closes_a_dispute_as_lost(
    gateway: PayPalPaymentGateway, fake: FakePayPal
) -> None:
    order_id, capture_id = paid_order(gateway, fake)
    event = fake.webhook_event("PAYMENT.CAPTURE.REVERSED", fake.capture(capture_id))

    notice = PayPalWebhookInterpreter().interpret(as_event(event))

    assert (notice.kind, notice.payment_id, notice.reference, notice.dispute_won) == \
        ("dispute_closed", "pay-1", order_id, False)


@pytest.mark.parametrize(("event_type", "status", "outcome", "expected"), [
    ("CUSTOMER.DISPUTE.CREATED", "OPEN", None, ("dispute_opened", None)),
    ("CUSTOMER.DISPUTE.UPDATED", "WAITING_FOR_SELLER_RESPONSE", None, ("dispute_opened", None)),
    ("CUSTOMER.DISPUTE.UPDATED", "RESOLVED", "RESOLVED_SELLER_FAVOUR", ("dispute_closed", True)),
    ("CUSTOMER.DISPUTE.RESOLVED", "RESOLVED", "RESOLVED_SELLER_FAVOUR", ("dispute_closed", True)),
    ("CUSTOMER.DISPUTE.RESOLVED", "RESOLVED", "CANCELED_BY_BUYER", ("dispute_closed", True)),
    ("CUSTOMER.DISPUTE.RESOLVED", "RESOLVED", "DENIED", ("dispute_closed", True)),
    ("CUSTOMER.DISPUTE.RESOLVED", "RESOLVED", "RESOLVED_BUYER_FAVOUR", ("dispute_closed", False)),
    ("CUSTOMER.DISPUTE.RESOLVED", "RESOLVED", "ACCEPTED", ("dispute_closed", False)),
    ("CUSTOMER.DISPUTE.RESOLVED", "RESOLVED", "RESOLVED_WITH_PAYOUT", ("dispute_closed", False)),
    ("CUSTOMER.DISPUTE.RESOLVED", "RESOLVED", None, ("dispute_closed", False)),  # no guess
])
def test_disputes_pause_then_restore_or_revoke(event_type: str, status: str,
                                               outcome: str | None,
                                               expected: tuple[str, bool | None]) -> None:
    resource: dict[str, Any] = {"dispute_id": "PP-D-1", "status": status,
                                "disputed_transactions": [{"seller_transaction_id": "CAP-9",
                                                           "custom": "pay-1"}]}
    if outcome:
        resource["dispute_outcome"] = {"outcome_code": outcome}
    notice = PayPalWebhookInterpreter().interpret(as_event(
        {"id": "WH-3", "event_type": event_type, "resource": resource}))
    assert (notice.kind, notice.dispute_won) == expected
    assert (notice.payment_id, notice.reference) == ("pay-1", "CAP-9")


@pytest.mark.parametrize("payload", [
    {"id": "WH-1", "event_type": "CHECKOUT.ORDER.APPROVED", "resource": {"id": "O1"}},
    {"id": "WH-2", "event_type": "CUSTOMER.DISPUTE.CREATED"},  # names no transaction
    {"id": "WH-4", "event_type": "CUSTOMER.DISPUTE.RESOLVED",
     "resource": {"disputed_transactions": "x"}},
])
def test_other_events_are_ignored(payload: dict[str, Any]) -> None:
    assert PayPalWebhookInterpreter().interpret(as_event(payload)).kind == "ignore"


@pytest.mark.parametrize("resource", [None, "text", {}, {"links": "x", "custom_id": 7},
                                      {"supplementary_data": {"related_ids": None},
                                       "links": [{"rel": "up"}, None]}])
def test_missing_fields_never_raise(resource: Any) -> None:
    interpreter = PayPalWebhookInterpreter()
    for event_type in ("PAYMENT.CAPTURE.COMPLETED", "PAYMENT.CAPTURE.REFUNDED",
                       "PAYMENT.CAPTURE.REVERSED"):
        notice = interpreter.interpret(as_event({"id": "WH-1", "event_type": event_type,
                                                 "resource": resource}))
        assert notice.kind != "ignore"
        assert (notice.payment_id, notice.reference) == (None, None)
