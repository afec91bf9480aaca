"""The local vendor fakes behave like Stripe and PayPal, proven through the real SDKs.

Every test drives ``stripe.StripeClient`` (15.3.1) or ``paypalrestsdk.Api`` (1.13.3) against
the fakes in ``tests/vendor_servers`` without patching either SDK.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import paypalrestsdk
import pytest
import requests
import stripe
from paypalrestsdk import exceptions as paypal_errors

from tests.vendor_servers.base import LocalServer
from tests.vendor_servers.paypal_server import FakePayPal, default_specs_dir
from tests.vendor_servers.stripe_server import (
    API_VERSION,
    FakeStripe,
    parse_stripe_form,
    sign_stripe_payload,
)

SECRET_KEY = "sk_test_fake_51Hx"
WEBHOOK_SECRET = "whsec_test_secret"


# ------------------------------------------------------------------------------------------
# fixtures
# ------------------------------------------------------------------------------------------
@pytest.fixture
def fake_stripe() -> Iterator[FakeStripe]:
    with FakeStripe() as fake:
        yield fake


def make_stripe_client(url: str, *, timeout: float | None = None) -> stripe.StripeClient:
    http_client = stripe.RequestsClient(timeout=timeout) if timeout is not None else None
    return stripe.StripeClient(
        SECRET_KEY,
        base_addresses={"api": url},
        max_network_retries=0,
        http_client=http_client,
    )


@pytest.fixture
def stripe_client(fake_stripe: FakeStripe) -> stripe.StripeClient:
    return make_stripe_client(fake_stripe.url)


@pytest.fixture
def fake_paypal() -> Iterator[FakePayPal]:
    with FakePayPal() as fake:
        yield fake


@pytest.fixture
def paypal_api(fake_paypal: FakePayPal) -> paypalrestsdk.Api:
    return paypalrestsdk.Api(
        mode="sandbox",
        client_id=fake_paypal.client_id,
        client_secret=fake_paypal.client_secret,
        endpoint=fake_paypal.url,
    )


def order_body(
    value: str = "10.00",
    currency: str = "USD",
    *,
    invoice_id: str | None = "INV-1001",
    custom_id: str = "enrollment-42",
) -> dict[str, Any]:
    unit: dict[str, Any] = {
        "reference_id": "course-7",
        "custom_id": custom_id,
        "description": "Course: Algebra I",
        "amount": {"currency_code": currency, "value": value},
    }
    if invoice_id is not None:
        unit["invoice_id"] = invoice_id
    return {
        "intent": "CAPTURE",
        "purchase_units": [unit],
        "payment_source": {
            "paypal": {
                "experience_context": {
                    "return_url": "https://eduport.example/paypal/return",
                    "cancel_url": "https://eduport.example/paypal/cancel",
                    "user_action": "PAY_NOW",
                }
            }
        },
    }


def construct_event(payload: bytes, header: str, secret: str) -> Any:
    """``stripe.Webhook.construct_event`` (untyped in the SDK) with default tolerance."""
    return stripe.Webhook.construct_event(payload, header, secret)  # type: ignore[no-untyped-call]


def stripe_error(exc: stripe.StripeError) -> dict[str, Any]:
    """The ``error`` object of a Stripe error response body."""
    body = exc.json_body
    assert isinstance(body, dict)
    error = body["error"]
    assert isinstance(error, dict)
    return error


def paypal_error(exc: paypal_errors.ConnectionError) -> dict[str, Any]:
    body = json.loads(exc.content)
    assert isinstance(body, dict)
    return body


def captured_order(
    api: paypalrestsdk.Api, fake: FakePayPal, body: dict[str, Any] | None = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    order = api.post("v2/checkout/orders", body or order_body())
    fake.approve(order["id"])
    completed = api.post(f"v2/checkout/orders/{order['id']}/capture", {})
    return completed, completed["purchase_units"][0]["payments"]["captures"][0]


# ------------------------------------------------------------------------------------------
# base.LocalServer
# ------------------------------------------------------------------------------------------
def test_local_server_serves_on_a_free_port_and_stops() -> None:
    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [environ["PATH_INFO"].encode()]

    server = LocalServer(app)
    with server:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", server.url)
        assert server.port > 0
        assert requests.get(f"{server.url}/ping", timeout=5).text == "/ping"
    assert not server.running
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{server.url}/ping", timeout=2)


# ------------------------------------------------------------------------------------------
# Stripe: wire format
# ------------------------------------------------------------------------------------------
def test_parse_stripe_form_builds_nested_dicts_and_lists() -> None:
    body = (
        "line_items[0][price_data][currency]=usd&line_items[0][quantity]=2"
        "&line_items[1][price]=price_1&payment_method_types[0]=card"
        "&metadata[0]=zero&metadata[order_id]=1&confirm=true&expand[]=latest_charge"
    )
    assert parse_stripe_form(body) == {
        "line_items": [
            {"price_data": {"currency": "usd"}, "quantity": "2"},
            {"price": "price_1"},
        ],
        "payment_method_types": ["card"],
        "metadata": {"0": "zero", "order_id": "1"},
        "confirm": "true",
        "expand": ["latest_charge"],
    }


def test_stripe_form_encoding_round_trip_through_the_sdk(
    fake_stripe: FakeStripe, stripe_client: stripe.StripeClient
) -> None:
    intent = stripe_client.v1.payment_intents.create(
        params={
            "amount": 1999,
            "currency": "usd",
            "payment_method_types": ["card"],
            "metadata": {"order_id": "42", "learner": "u-7"},
            "description": "Algebra I",
        },
        options={"idempotency_key": "order-42-pi"},
    )
    recorded = fake_stripe.requests[-1]
    assert recorded.method == "POST"
    assert recorded.path == "/v1/payment_intents"
    assert recorded.params == {
        "amount": "1999",
        "currency": "usd",
        "payment_method_types": ["card"],
        "metadata": {"order_id": "42", "learner": "u-7"},
        "description": "Algebra I",
    }
    assert b"metadata[order_id]=42" in recorded.raw_body.replace(b"%5B", b"[").replace(b"%5D", b"]")
    assert recorded.header("Authorization") == f"Bearer {SECRET_KEY}"
    assert recorded.header("Stripe-Version") == API_VERSION
    assert recorded.header("Idempotency-Key") == "order-42-pi"
    assert recorded.header("Content-Type") == "application/x-www-form-urlencoded"

    assert intent.object == "payment_intent"
    assert re.fullmatch(r"pi_[A-Za-z0-9]{24}", intent.id)
    assert re.fullmatch(rf"{intent.id}_secret_[A-Za-z0-9]+", intent.client_secret or "")
    assert intent.status == "requires_payment_method"
    assert intent.amount == 1999
    assert intent.amount_received == 0
    assert intent.currency == "usd"
    assert intent.metadata.to_dict() == {"order_id": "42", "learner": "u-7"}
    assert intent.latest_charge is None


def test_stripe_checkout_line_items_and_booleans_are_decoded(
    fake_stripe: FakeStripe, stripe_client: stripe.StripeClient
) -> None:
    session = stripe_client.v1.checkout.sessions.create(
        params={
            "mode": "payment",
            "line_items": [
                {
                    "quantity": 2,
                    "price_data": {
                        "currency": "usd",
                        "unit_amount": 1500,
                        "product_data": {"name": "Algebra I", "metadata": {"course": "7"}},
                    },
                },
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": "usd",
                        "unit_amount": 500,
                        "product_data": {"name": "Workbook"},
                    },
                },
            ],
            "allow_promotion_codes": True,
            "success_url": "https://eduport.example/ok?session={CHECKOUT_SESSION_ID}",
            "cancel_url": "https://eduport.example/cancel",
            "client_reference_id": "user-7",
            "metadata": {"order_id": "42"},
        }
    )
    params = fake_stripe.requests[-1].params
    assert params["allow_promotion_codes"] == "true"
    assert params["line_items"][0]["price_data"]["currency"] == "usd"
    assert params["line_items"][0]["price_data"]["product_data"]["metadata"] == {"course": "7"}
    assert params["line_items"][1]["quantity"] == "1"
    assert session.object == "checkout.session"
    assert session.id.startswith("cs_test_")
    assert session.amount_total == 3500
    assert session.currency == "usd"
    assert session.success_url == "https://eduport.example/ok?session={CHECKOUT_SESSION_ID}"


def test_stripe_requires_a_secret_key(fake_stripe: FakeStripe) -> None:
    with pytest.raises(stripe.AuthenticationError) as excinfo:
        stripe.StripeClient(
            "pk_test_publishable", base_addresses={"api": fake_stripe.url}, max_network_retries=0
        ).v1.payment_intents.retrieve("pi_123")
    assert excinfo.value.http_status == 401

    raw = requests.get(f"{fake_stripe.url}/v1/charges/ch_1", timeout=5)
    assert raw.status_code == 401
    assert raw.json()["error"]["type"] == "invalid_request_error"
    assert "API key" in raw.json()["error"]["message"]


def test_stripe_configured_api_key_is_enforced() -> None:
    with FakeStripe(api_key=SECRET_KEY) as fake:
        other = stripe.StripeClient(
            "sk_test_other", base_addresses={"api": fake.url}, max_network_retries=0
        )
        with pytest.raises(stripe.AuthenticationError):
            other.v1.payment_intents.create(params={"amount": 1000, "currency": "usd"})
        ok = make_stripe_client(fake.url).v1.payment_intents.create(
            params={"amount": 1000, "currency": "usd"}
        )
        assert ok.status == "requires_payment_method"


# ------------------------------------------------------------------------------------------
# Stripe: idempotency
# ------------------------------------------------------------------------------------------
def test_stripe_idempotency_replays_saved_response(
    fake_stripe: FakeStripe, stripe_client: stripe.StripeClient
) -> None:
    params: Any = {"amount": 5000, "currency": "eur", "metadata": {"order": "9"}}
    first = stripe_client.v1.payment_intents.create(
        params=params, options={"idempotency_key": "key-9"}
    )
    second = stripe_client.v1.payment_intents.create(
        params=params, options={"idempotency_key": "key-9"}
    )
    assert second.id == first.id
    assert second.client_secret == first.client_secret
    assert len(fake_stripe.payment_intents) == 1
    assert [r.replayed for r in fake_stripe.requests] == [False, True]
    assert second.last_response is not None
    assert second.last_response.headers["Idempotent-Replayed"] == "true"
    assert first.last_response is not None
    assert "Idempotent-Replayed" not in first.last_response.headers


def test_stripe_idempotency_key_with_different_params_is_rejected(
    fake_stripe: FakeStripe, stripe_client: stripe.StripeClient
) -> None:
    stripe_client.v1.payment_intents.create(
        params={"amount": 5000, "currency": "usd"}, options={"idempotency_key": "key-x"}
    )
    with pytest.raises(stripe.IdempotencyError) as excinfo:
        stripe_client.v1.payment_intents.create(
            params={"amount": 6000, "currency": "usd"}, options={"idempotency_key": "key-x"}
        )
    assert excinfo.value.http_status == 400
    assert stripe_error(excinfo.value)["type"] == "idempotency_error"
    assert "same parameters" in stripe_error(excinfo.value)["message"]
    assert len(fake_stripe.payment_intents) == 1


def test_stripe_concurrent_request_with_same_key_gets_409(
    fake_stripe: FakeStripe, stripe_client: stripe.StripeClient
) -> None:
    params: Any = {"amount": 2500, "currency": "usd"}
    results: dict[str, Any] = {}

    def slow_create() -> None:
        results["first"] = stripe_client.v1.payment_intents.create(
            params=params, options={"idempotency_key": "same-key"}
        )

    fake_stripe.delay_next(1, 1.0)
    worker = threading.Thread(target=slow_create)
    worker.start()
    deadline = time.monotonic() + 5
    while "same-key" not in fake_stripe.in_flight_idempotency_keys():
        assert time.monotonic() < deadline, "first request never reached the fake"
        time.sleep(0.01)

    with pytest.raises(stripe.APIError) as excinfo:
        stripe_client.v1.payment_intents.create(
            params=params, options={"idempotency_key": "same-key"}
        )
    assert excinfo.value.http_status == 409
    assert stripe_error(excinfo.value)["code"] == "idempotency_key_in_use"

    worker.join(timeout=5)
    replay = stripe_client.v1.payment_intents.create(
        params=params, options={"idempotency_key": "same-key"}
    )
    assert replay.id == results["first"].id
    assert len(fake_stripe.payment_intents) == 1


def test_stripe_timeout_then_retry_with_same_key_replays(fake_stripe: FakeStripe) -> None:
    impatient = make_stripe_client(fake_stripe.url, timeout=0.3)
    params: Any = {"amount": 1200, "currency": "usd"}
    fake_stripe.delay_next(1, 0.8)
    with pytest.raises(stripe.APIConnectionError):
        impatient.v1.payment_intents.create(params=params, options={"idempotency_key": "t-1"})

    deadline = time.monotonic() + 5
    while fake_stripe.requests[0].status is None:  # the fake finishes the request anyway
        assert time.monotonic() < deadline
        time.sleep(0.01)
    retried = make_stripe_client(fake_stripe.url).v1.payment_intents.create(
        params=params, options={"idempotency_key": "t-1"}
    )
    assert list(fake_stripe.payment_intents) == [retried.id]
    assert fake_stripe.requests[-1].replayed is True


def test_stripe_validation_failures_are_not_saved_under_the_key(
    fake_stripe: FakeStripe, stripe_client: stripe.StripeClient
) -> None:
    with pytest.raises(stripe.InvalidRequestError) as excinfo:
        stripe_client.v1.payment_intents.create(
            params={"amount": 0, "currency": "usd"}, options={"idempotency_key": "v-1"}
        )
    assert excinfo.value.code == "parameter_invalid_integer"
    assert excinfo.value.param == "amount"
    fixed = stripe_client.v1.payment_intents.create(
        params={"amount": 100, "currency": "usd"}, options={"idempotency_key": "v-1"}
    )
    assert fixed.amount == 100
    assert fake_stripe.requests[-1].replayed is False


# ------------------------------------------------------------------------------------------
# Stripe: validation and error mapping
# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("params", "status", "code", "param"),
    [
        ({"currency": "usd"}, 400, "parameter_missing", "amount"),
        ({"amount": 1000}, 400, "parameter_missing", "currency"),
        ({"amount": -5, "currency": "usd"}, 400, "parameter_invalid_integer", "amount"),
        ({"amount": 10, "currency": "usd"}, 400, "amount_too_small", "amount"),
        ({"amount": "ten", "currency": "usd"}, 400, "parameter_invalid_integer", "amount"),
        ({"amount": 1000, "currency": "usd", "colour": "red"}, 400, "parameter_unknown", "colour"),
        (
            {"amount": 1000, "currency": "usd", "automatic_payment_methods": {"enable": True}},
            400,
            "parameter_unknown",
            "automatic_payment_methods[enable]",
        ),
        (
            {"amount": 1000, "currency": "usd", "capture_method": "later"},
            400,
            None,
            "capture_method",
        ),
        ({"amount": 1000, "currency": "zzz"}, 400, None, "currency"),
    ],
)
def test_stripe_payment_intent_validation(
    stripe_client: stripe.StripeClient,
    params: Any,
    status: int,
    code: str | None,
    param: str,
) -> None:
    with pytest.raises(stripe.InvalidRequestError) as excinfo:
        stripe_client.v1.payment_intents.create(params=params)
    error = excinfo.value
    assert error.http_status == status
    assert error.code == code
    assert error.param == param
    assert stripe_error(error)["type"] == "invalid_request_error"


def test_stripe_unknown_object_is_a_404(stripe_client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as excinfo:
        stripe_client.v1.payment_intents.retrieve("pi_doesnotexist")
    assert excinfo.value.http_status == 404
    assert excinfo.value.code == "resource_missing"
    assert str(excinfo.value.user_message) == "No such payment_intent: 'pi_doesnotexist'"


def test_stripe_confirm_with_declining_card_raises_card_error(
    fake_stripe: FakeStripe, stripe_client: stripe.StripeClient
) -> None:
    params: Any = {
        "amount": 3000,
        "currency": "usd",
        "payment_method_types": ["card"],
        "confirm": True,
        "payment_method": "pm_card_chargeDeclinedInsufficientFunds",
    }
    with pytest.raises(stripe.CardError) as excinfo:
        stripe_client.v1.payment_intents.create(params=params, options={"idempotency_key": "pay-1"})
    error = excinfo.value
    assert error.http_status == 402
    assert error.code == "card_declined"
    assert error.error is not None
    assert error.error.decline_code == "insufficient_funds"
    assert error.error.payment_intent is not None
    assert error.error.payment_intent.status == "requires_payment_method"
    (pi,) = fake_stripe.payment_intents.values()
    assert pi["last_payment_error"]["decline_code"] == "insufficient_funds"
    assert fake_stripe.charges[pi["latest_charge"]]["status"] == "failed"

    with pytest.raises(stripe.CardError):  # a decline is saved under the key and replayed
        stripe_client.v1.payment_intents.create(params=params, options={"idempotency_key": "pay-1"})
    assert fake_stripe.requests[-1].replayed is True
    assert len(fake_stripe.payment_intents) == 1


def test_stripe_fail_next_maps_to_api_error_then_recovers(
    fake_stripe: FakeStripe, stripe_client: stripe.StripeClient
) -> None:
    fake_stripe.fail_next(1, status=503)
    with pytest.raises(stripe.APIError) as excinfo:
        stripe_client.v1.payment_intents.create(
            params={"amount": 1000, "currency": "usd"}, options={"idempotency_key": "f-1"}
        )
    assert excinfo.value.http_status == 503
    assert stripe_error(excinfo.value)["type"] == "api_error"
    assert fake_stripe.payment_intents == {}
    retried = stripe_client.v1.payment_intents.create(
        params={"amount": 1000, "currency": "usd"}, options={"idempotency_key": "f-1"}
    )
    assert retried.status == "requires_payment_method"

    fake_stripe.fail_next(1, status=429)
    with pytest.raises(stripe.RateLimitError):
        stripe_client.v1.payment_intents.retrieve(retried.id)


def test_stripe_idempotent_injected_500_is_replayed(
    fake_stripe: FakeStripe, stripe_client: stripe.StripeClient
) -> None:
    fake_stripe.fail_next(1, status=500, idempotent=True)
    for _ in range(2):
        with pytest.raises(stripe.APIError) as excinfo:
            stripe_client.v1.payment_intents.create(
                params={"amount": 1000, "currency": "usd"}, options={"idempotency_key": "f-2"}
            )
        assert excinfo.value.http_status == 500
    assert [r.replayed for r in fake_stripe.requests] == [False, True]
    assert fake_stripe.payment_intents == {}


# ------------------------------------------------------------------------------------------
# Stripe: state transitions
# ------------------------------------------------------------------------------------------
def test_stripe_payment_intent_controls(
    fake_stripe: FakeStripe, stripe_client: stripe.StripeClient
) -> None:
    intent = stripe_client.v1.payment_intents.create(params={"amount": 4200, "currency": "usd"})

    fake_stripe.require_action(intent.id)
    action = stripe_client.v1.payment_intents.retrieve(intent.id)
    assert action.status == "requires_action"
    assert action.next_action is not None
    assert action.next_action.type == "use_stripe_sdk"

    fake_stripe.fail_payment_intent(intent.id, decline_code="expired_card", code="expired_card")
    failed = stripe_client.v1.payment_intents.retrieve(intent.id)
    assert failed.status == "requires_payment_method"
    assert failed.last_payment_error is not None
    assert failed.last_payment_error.code == "expired_card"
    assert failed.last_payment_error.decline_code == "expired_card"
    assert failed.next_action is None

    fake_stripe.succeed_payment_intent(intent.id)
    paid = stripe_client.v1.payment_intents.retrieve(
        intent.id, params={"expand": ["latest_charge"]}
    )
    assert paid.status == "succeeded"
    assert paid.amount_received == 4200
    assert paid.last_payment_error is None
    charge = paid.latest_charge
    assert isinstance(charge, stripe.Charge)
    assert charge.id.startswith("ch_")
    assert charge.status == "succeeded"
    assert charge.payment_intent == intent.id
    assert stripe_client.v1.charges.retrieve(charge.id).amount_captured == 4200
    assert len(fake_stripe.charges) == 2  # the declined attempt left a failed charge


def test_stripe_cancel_payment_intent(stripe_client: stripe.StripeClient) -> None:
    intent = stripe_client.v1.payment_intents.create(params={"amount": 900, "currency": "usd"})
    canceled = stripe_client.v1.payment_intents.cancel(
        intent.id, params={"cancellation_reason": "abandoned"}
    )
    assert canceled.status == "canceled"
    assert canceled.cancellation_reason == "abandoned"
    with pytest.raises(stripe.InvalidRequestError) as excinfo:
        stripe_client.v1.payment_intents.cancel(intent.id)
    assert excinfo.value.code == "payment_intent_unexpected_state"


def checkout_params(**overrides: Any) -> Any:
    params: Any = {
        "mode": "payment",
        "line_items": [
            {
                "quantity": 1,
                "price_data": {
                    "currency": "usd",
                    "unit_amount": 2900,
                    "product_data": {"name": "Algebra I"},
                },
            }
        ],
        "success_url": "https://eduport.example/ok",
        "metadata": {"order_id": "77"},
        "client_reference_id": "user-7",
        "payment_intent_data": {"metadata": {"order_id": "77", "source": "checkout"}},
    }
    params.update(overrides)
    return params


def test_stripe_checkout_session_lifecycle(
    fake_stripe: FakeStripe, stripe_client: stripe.StripeClient
) -> None:
    before = int(time.time())
    session = stripe_client.v1.checkout.sessions.create(params=checkout_params())
    assert session.status == "open"
    assert session.payment_status == "unpaid"
    assert session.url == f"https://checkout.stripe.com/c/pay/{session.id}"
    assert session.payment_intent is None  # created lazily since API 2022-08-01
    assert session.metadata is not None
    assert session.metadata.to_dict() == {"order_id": "77"}
    assert session.client_reference_id == "user-7"
    assert session.amount_total == 2900
    assert before + 24 * 3600 <= session.expires_at <= int(time.time()) + 24 * 3600

    fake_stripe.complete_checkout_session(session.id)
    done = stripe_client.v1.checkout.sessions.retrieve(
        session.id, params={"expand": ["payment_intent"]}
    )
    assert done.status == "complete"
    assert done.payment_status == "paid"
    assert done.url is None
    intent = done.payment_intent
    assert isinstance(intent, stripe.PaymentIntent)
    assert intent.status == "succeeded"
    assert intent.amount == 2900
    assert intent.metadata.to_dict() == {"order_id": "77", "source": "checkout"}

    with pytest.raises(stripe.InvalidRequestError):
        stripe_client.v1.checkout.sessions.expire(session.id)


def test_stripe_checkout_delayed_payment_and_eager_intent_option() -> None:
    with FakeStripe(checkout_creates_payment_intent=True) as fake:
        client = make_stripe_client(fake.url)
        session = client.v1.checkout.sessions.create(params=checkout_params())
        assert isinstance(session.payment_intent, str)
        assert fake.payment_intent(session.payment_intent)["metadata"] == {
            "order_id": "77",
            "source": "checkout",
        }
        completed = fake.complete_checkout_session(session.id, paid=False)
        assert completed["status"] == "complete"
        assert completed["payment_status"] == "unpaid"
        assert fake.payment_intent(session.payment_intent)["status"] == "processing"


def test_stripe_checkout_expire_via_api_and_control(
    fake_stripe: FakeStripe, stripe_client: stripe.StripeClient
) -> None:
    first = stripe_client.v1.checkout.sessions.create(params=checkout_params())
    expired = stripe_client.v1.checkout.sessions.expire(first.id)
    assert expired.status == "expired"
    assert expired.url is None

    second = stripe_client.v1.checkout.sessions.create(params=checkout_params())
    assert fake_stripe.expire_checkout_session(second.id)["status"] == "expired"
    assert stripe_client.v1.checkout.sessions.retrieve(second.id).status == "expired"


@pytest.mark.parametrize(
    ("overrides", "code", "param"),
    [
        ({"mode": None}, "parameter_missing", "mode"),
        ({"line_items": None}, "parameter_missing", "line_items"),
        ({"expires_at": "+600"}, None, "expires_at"),
        ({"expires_at": "+90000"}, None, "expires_at"),
        ({"ui_mode": "hosted"}, None, "ui_mode"),
        (
            {"line_items": [{"price_data": {"currency": "usd", "unit_amount": 100}}]},
            "parameter_missing",
            "line_items[0][quantity]",
        ),
    ],
)
def test_stripe_checkout_session_validation(
    stripe_client: stripe.StripeClient, overrides: dict[str, Any], code: str | None, param: str
) -> None:
    if isinstance(overrides.get("expires_at"), str):
        overrides = {"expires_at": int(time.time()) + int(overrides["expires_at"])}
    with pytest.raises(stripe.InvalidRequestError) as excinfo:
        stripe_client.v1.checkout.sessions.create(params=checkout_params(**overrides))
    assert excinfo.value.http_status == 400
    assert excinfo.value.code == code
    assert excinfo.value.param == param


def test_stripe_checkout_expires_at_inside_window_is_kept(
    stripe_client: stripe.StripeClient,
) -> None:
    expires_at = int(time.time()) + 3600
    session = stripe_client.v1.checkout.sessions.create(
        params=checkout_params(expires_at=expires_at)
    )
    assert session.expires_at == expires_at


def test_stripe_refunds_partial_full_and_over(
    fake_stripe: FakeStripe, stripe_client: stripe.StripeClient
) -> None:
    intent = stripe_client.v1.payment_intents.create(params={"amount": 1000, "currency": "usd"})
    with pytest.raises(stripe.InvalidRequestError):  # nothing to refund yet
        stripe_client.v1.refunds.create(params={"payment_intent": intent.id})
    charge_id = fake_stripe.succeed_payment_intent(intent.id)["latest_charge"]

    partial = stripe_client.v1.refunds.create(
        params={"payment_intent": intent.id, "amount": 300, "reason": "requested_by_customer"}
    )
    assert partial.object == "refund"
    assert partial.id.startswith("re_")
    assert partial.status == "succeeded"
    assert partial.amount == 300
    assert partial.charge == charge_id
    charge = stripe_client.v1.charges.retrieve(charge_id)
    assert (charge.amount_refunded, charge.refunded) == (300, False)

    with pytest.raises(stripe.InvalidRequestError) as excinfo:
        stripe_client.v1.refunds.create(params={"payment_intent": intent.id, "amount": 800})
    assert excinfo.value.code == "amount_too_large"
    assert excinfo.value.param == "amount"

    rest = stripe_client.v1.refunds.create(params={"charge": charge_id})
    assert rest.amount == 700
    charge = stripe_client.v1.charges.retrieve(charge_id)
    assert (charge.amount_refunded, charge.refunded) == (1000, True)
    assert stripe_client.v1.refunds.retrieve(rest.id).amount == 700

    with pytest.raises(stripe.InvalidRequestError) as excinfo:
        stripe_client.v1.refunds.create(params={"payment_intent": intent.id})
    assert excinfo.value.code == "charge_already_refunded"


def test_stripe_dispute_blocks_refunds(
    fake_stripe: FakeStripe, stripe_client: stripe.StripeClient
) -> None:
    intent = stripe_client.v1.payment_intents.create(params={"amount": 2000, "currency": "usd"})
    charge_id = fake_stripe.succeed_payment_intent(intent.id)["latest_charge"]
    dispute = fake_stripe.dispute(charge_id)
    assert dispute["object"] == "dispute"
    assert dispute["id"].startswith("dp_")
    assert (dispute["amount"], dispute["status"], dispute["payment_intent"]) == (
        2000,
        "needs_response",
        intent.id,
    )
    assert stripe_client.v1.charges.retrieve(charge_id).disputed is True
    with pytest.raises(stripe.InvalidRequestError) as excinfo:
        stripe_client.v1.refunds.create(params={"charge": charge_id})
    assert excinfo.value.code == "charge_disputed"


# ------------------------------------------------------------------------------------------
# Stripe: webhooks
# ------------------------------------------------------------------------------------------
def test_stripe_event_envelope_and_signature_verify_with_the_sdk(
    fake_stripe: FakeStripe, stripe_client: stripe.StripeClient
) -> None:
    intent = stripe_client.v1.payment_intents.create(params={"amount": 1500, "currency": "usd"})
    fake_stripe.succeed_payment_intent(intent.id)
    event = fake_stripe.event(
        "payment_intent.succeeded", fake_stripe.payment_intent(intent.id), created=1_700_000_000
    )
    assert re.fullmatch(r"evt_[A-Za-z0-9]{24}", event["id"])
    assert event["object"] == "event"
    assert event["api_version"] == API_VERSION == "2026-06-24.dahlia"
    assert event["created"] == 1_700_000_000
    assert event["livemode"] is False
    assert event["pending_webhooks"] == 1
    assert event["request"] == {"id": None, "idempotency_key": None}
    assert event["data"]["object"]["status"] == "succeeded"

    payload = json.dumps(event).encode()
    header = sign_stripe_payload(payload, WEBHOOK_SECRET)
    assert re.fullmatch(r"t=\d+,v1=[0-9a-f]{64}", header)
    parsed = construct_event(payload, header, WEBHOOK_SECRET)
    assert parsed.type == "payment_intent.succeeded"
    assert parsed.data.object.id == intent.id

    with pytest.raises(stripe.SignatureVerificationError):
        construct_event(payload + b" ", header, WEBHOOK_SECRET)
    with pytest.raises(stripe.SignatureVerificationError):
        construct_event(payload, header, "whsec_other")
    stale = sign_stripe_payload(payload, WEBHOOK_SECRET, timestamp=int(time.time()) - 301)
    with pytest.raises(stripe.SignatureVerificationError):
        construct_event(payload, stale, WEBHOOK_SECRET)


def test_sign_stripe_payload_is_deterministic_for_a_timestamp() -> None:
    header = sign_stripe_payload(b'{"id":"evt_1"}', "whsec_abc", timestamp=1_700_000_000)
    expected = hmac.new(b"whsec_abc", b'1700000000.{"id":"evt_1"}', hashlib.sha256).hexdigest()
    assert header == f"t=1700000000,v1={expected}"


# ------------------------------------------------------------------------------------------
# PayPal: auth
# ------------------------------------------------------------------------------------------
def test_paypal_token_endpoint(fake_paypal: FakePayPal) -> None:
    response = requests.post(
        f"{fake_paypal.url}/v1/oauth2/token",
        auth=(fake_paypal.client_id, fake_paypal.client_secret),
        data={"grant_type": "client_credentials"},
        timeout=5,
    )
    assert response.status_code == 200
    token = response.json()
    assert token["token_type"] == "Bearer"
    assert token["expires_in"] == 32400
    assert set(token) == {"scope", "access_token", "token_type", "app_id", "expires_in", "nonce"}

    wrong = requests.post(
        f"{fake_paypal.url}/v1/oauth2/token",
        auth=(fake_paypal.client_id, "nope"),
        data={"grant_type": "client_credentials"},
        timeout=5,
    )
    assert wrong.status_code == 401
    assert wrong.json()["error"] == "invalid_client"

    no_bearer = requests.get(f"{fake_paypal.url}/v2/checkout/orders/X", timeout=5)
    assert no_bearer.status_code == 401
    assert no_bearer.json()["name"] == "AUTHENTICATION_FAILURE"
    with_bearer = requests.get(
        f"{fake_paypal.url}/v2/checkout/orders/X",
        headers={"Authorization": f"Bearer {token['access_token']}"},
        timeout=5,
    )
    assert with_bearer.status_code == 404


def test_paypal_sdk_wrong_credentials_and_token_refresh(
    fake_paypal: FakePayPal, paypal_api: paypalrestsdk.Api
) -> None:
    bad = paypalrestsdk.Api(
        mode="sandbox", client_id="someone", client_secret="else", endpoint=fake_paypal.url
    )
    with pytest.raises(paypal_errors.UnauthorizedAccess):
        bad.get("v2/checkout/orders/X")

    order = paypal_api.post("v2/checkout/orders", order_body())
    fake_paypal.expire_tokens()
    assert paypal_api.get(f"v2/checkout/orders/{order['id']}")["id"] == order["id"]
    tail = [(r.method, r.path, r.status) for r in fake_paypal.requests[-3:]]
    assert tail == [
        ("GET", f"/v2/checkout/orders/{order['id']}", 401),
        ("POST", "/v1/oauth2/token", 200),
        ("GET", f"/v2/checkout/orders/{order['id']}", 200),
    ]


# ------------------------------------------------------------------------------------------
# PayPal: orders and schema validation
# ------------------------------------------------------------------------------------------
def test_paypal_create_order_minimal_and_representation(
    fake_paypal: FakePayPal, paypal_api: paypalrestsdk.Api
) -> None:
    body = order_body()
    del body["payment_source"]
    minimal = paypal_api.post("v2/checkout/orders", body)
    assert fake_paypal.requests[-1].status == 201
    assert set(minimal) == {"id", "status", "links"}
    assert re.fullmatch(r"[A-Z0-9]{17}", minimal["id"])
    assert minimal["status"] == "CREATED"
    rels = {link["rel"]: link for link in minimal["links"]}
    assert set(rels) == {"self", "approve", "update", "capture"}
    assert rels["approve"]["href"].endswith(f"checkoutnow?token={minimal['id']}")
    assert rels["capture"]["method"] == "POST"

    full = paypal_api.post("v2/checkout/orders", body, {"Prefer": "return=representation"})
    unit = full["purchase_units"][0]
    assert (unit["custom_id"], unit["invoice_id"]) == ("enrollment-42", "INV-1001")
    assert unit["amount"] == {"currency_code": "USD", "value": "10.00"}
    assert fake_paypal.specs.validate("orders", "order", full) == []

    fetched = paypal_api.get(f"v2/checkout/orders/{minimal['id']}")
    assert fetched["status"] == "CREATED"
    assert fake_paypal.requests[-1].raw_body == b"null"  # the SDK's GET body, ignored


def test_paypal_payment_source_order_needs_payer_action(
    fake_paypal: FakePayPal, paypal_api: paypalrestsdk.Api
) -> None:
    order = paypal_api.post("v2/checkout/orders", order_body())
    assert order["status"] == "PAYER_ACTION_REQUIRED"
    assert "payer-action" in {link["rel"] for link in order["links"]}
    approved = fake_paypal.approve(order["id"])
    assert approved["status"] == "APPROVED"
    assert approved["payer"]["email_address"] == "buyer@example.com"


def test_paypal_schema_violations_answer_400_and_are_recorded(
    fake_paypal: FakePayPal, paypal_api: paypalrestsdk.Api
) -> None:
    body = order_body()
    body["purchase_units"][0]["amount"]["value"] = 10  # a number, not a string
    del body["intent"]
    body["purchase_units"][0]["custom_id"] = "x" * 128

    result = paypal_api.post("v2/checkout/orders", body)  # the SDK returns 400s, not raises
    error = result["error"]
    assert error["name"] == "INVALID_REQUEST"
    assert error["message"] == (
        "Request is not well-formed, syntactically incorrect, or violates schema."
    )
    assert re.fullmatch(r"[0-9a-f]{13}", error["debug_id"])
    issues = {(d["issue"], d["field"]) for d in error["details"]}
    assert issues == {
        ("MISSING_REQUIRED_PARAMETER", "/intent"),
        ("INVALID_PARAMETER_SYNTAX", "/purchase_units/0/amount/value"),
        ("INVALID_STRING_LENGTH", "/purchase_units/0/custom_id"),
    }
    assert all(d["location"] == "body" for d in error["details"])
    assert fake_paypal.specs.validate("orders", "error_400", error) == []
    assert fake_paypal.invalid_requests == [fake_paypal.requests[-1]]
    assert fake_paypal.orders == {}


def test_paypal_malformed_json_is_rejected(fake_paypal: FakePayPal) -> None:
    token = requests.post(
        f"{fake_paypal.url}/v1/oauth2/token",
        auth=(fake_paypal.client_id, fake_paypal.client_secret),
        data={"grant_type": "client_credentials"},
        timeout=5,
    ).json()["access_token"]
    response = requests.post(
        f"{fake_paypal.url}/v2/checkout/orders",
        data=b"{not json",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        timeout=5,
    )
    assert response.status_code == 400
    assert response.json()["details"][0]["issue"] == "MALFORMED_REQUEST_JSON"
    assert len(fake_paypal.invalid_requests) == 1


@pytest.mark.parametrize(
    ("currency", "value", "issue", "field"),
    [
        ("EGP", "100.00", "CURRENCY_NOT_SUPPORTED", "/purchase_units/0/amount/currency_code"),
        ("USD", "10.001", "DECIMAL_PRECISION", "/purchase_units/0/amount/value"),
        ("JPY", "1000.00", "DECIMAL_PRECISION", "/purchase_units/0/amount/value"),
        ("USD", "0.00", "CANNOT_BE_ZERO_OR_NEGATIVE", "/purchase_units/0/amount/value"),
    ],
)
def test_paypal_money_rules_answer_422(
    fake_paypal: FakePayPal,
    paypal_api: paypalrestsdk.Api,
    currency: str,
    value: str,
    issue: str,
    field: str,
) -> None:
    with pytest.raises(paypal_errors.ResourceInvalid) as excinfo:
        paypal_api.post("v2/checkout/orders", order_body(value, currency))
    error = paypal_error(excinfo.value)
    assert error["name"] == "UNPROCESSABLE_ENTITY"
    assert [(d["issue"], d["field"], d["value"]) for d in error["details"]] == [
        (issue, field, currency if field.endswith("currency_code") else value)
    ]
    assert error["links"][0]["rel"] == "information_link"
    assert fake_paypal.specs.validate("orders", "error_422", error) == []
    assert len(fake_paypal.invalid_requests) == 1


@pytest.mark.parametrize(("currency", "value"), [("USD", "10.00"), ("USD", "10"), ("JPY", "1000")])
def test_paypal_valid_money_values_are_accepted(
    fake_paypal: FakePayPal, paypal_api: paypalrestsdk.Api, currency: str, value: str
) -> None:
    order = paypal_api.post("v2/checkout/orders", order_body(value, currency))
    assert order["status"] == "PAYER_ACTION_REQUIRED"
    assert fake_paypal.invalid_requests == []


def test_paypal_breakdown_must_add_up(
    fake_paypal: FakePayPal, paypal_api: paypalrestsdk.Api
) -> None:
    body = order_body("25.00")
    body["purchase_units"][0]["items"] = [
        {
            "name": "Lesson",
            "quantity": "2",
            "unit_amount": {"currency_code": "USD", "value": "10.00"},
        }
    ]
    body["purchase_units"][0]["amount"]["breakdown"] = {
        "item_total": {"currency_code": "USD", "value": "20.00"}
    }
    with pytest.raises(paypal_errors.ResourceInvalid) as excinfo:
        paypal_api.post("v2/checkout/orders", body)
    assert paypal_error(excinfo.value)["details"][0]["issue"] == "AMOUNT_MISMATCH"
    body["purchase_units"][0]["amount"]["value"] = "20.00"
    assert paypal_api.post("v2/checkout/orders", body)["status"] == "PAYER_ACTION_REQUIRED"


# ------------------------------------------------------------------------------------------
# PayPal: capture
# ------------------------------------------------------------------------------------------
def test_paypal_capture_requires_approval_then_completes(
    fake_paypal: FakePayPal, paypal_api: paypalrestsdk.Api
) -> None:
    order = paypal_api.post("v2/checkout/orders", order_body("10.00"))
    with pytest.raises(paypal_errors.ResourceInvalid) as excinfo:
        paypal_api.post(f"v2/checkout/orders/{order['id']}/capture", {})
    assert paypal_error(excinfo.value)["details"][0]["issue"] == "ORDER_NOT_APPROVED"
    assert fake_paypal.invalid_requests == []  # a state error, not an invalid body

    fake_paypal.approve(order["id"])
    completed = paypal_api.post(f"v2/checkout/orders/{order['id']}/capture", {})
    assert fake_paypal.requests[-1].status == 201
    assert completed["status"] == "COMPLETED"
    assert fake_paypal.specs.validate("orders", "order", completed) == []
    capture = completed["purchase_units"][0]["payments"]["captures"][0]
    assert capture["status"] == "COMPLETED"
    assert capture["amount"] == {"currency_code": "USD", "value": "10.00"}
    assert (capture["custom_id"], capture["invoice_id"]) == ("enrollment-42", "INV-1001")
    assert capture["final_capture"] is True
    breakdown = capture["seller_receivable_breakdown"]
    assert breakdown["gross_amount"] == {"currency_code": "USD", "value": "10.00"}
    fee, net = breakdown["paypal_fee"]["value"], breakdown["net_amount"]["value"]
    assert float(fee) + float(net) == pytest.approx(10.00)
    up = next(link for link in capture["links"] if link["rel"] == "up")
    assert up["href"] == f"{fake_paypal.url}/v2/checkout/orders/{order['id']}"

    fetched = paypal_api.get(f"v2/payments/captures/{capture['id']}")
    assert fetched["supplementary_data"]["related_ids"]["order_id"] == order["id"]
    assert fake_paypal.specs.validate("payments", "capture-2", fetched) == []

    with pytest.raises(paypal_errors.ResourceInvalid) as excinfo:
        paypal_api.post(f"v2/checkout/orders/{order['id']}/capture", {})
    assert paypal_error(excinfo.value)["details"][0]["issue"] == "ORDER_ALREADY_CAPTURED"


def test_paypal_duplicate_invoice_id_is_refused(
    fake_paypal: FakePayPal, paypal_api: paypalrestsdk.Api
) -> None:
    captured_order(paypal_api, fake_paypal, order_body(invoice_id="INV-SAME"))
    second = paypal_api.post("v2/checkout/orders", order_body(invoice_id="INV-SAME"))
    fake_paypal.approve(second["id"])
    with pytest.raises(paypal_errors.ResourceInvalid) as excinfo:
        paypal_api.post(f"v2/checkout/orders/{second['id']}/capture", {})
    assert paypal_error(excinfo.value)["details"][0]["issue"] == "DUPLICATE_INVOICE_ID"
    assert fake_paypal.order(second["id"])["status"] == "APPROVED"


@pytest.mark.parametrize(("outcome", "reason"), [("DECLINED", None), ("PENDING", "PENDING_REVIEW")])
def test_paypal_capture_outcomes(
    fake_paypal: FakePayPal, paypal_api: paypalrestsdk.Api, outcome: str, reason: str | None
) -> None:
    fake_paypal.set_capture_outcome(outcome)
    completed, capture = captured_order(paypal_api, fake_paypal)
    assert completed["status"] == "COMPLETED"
    assert capture["status"] == outcome
    assert capture.get("status_details", {}).get("reason") == reason
    assert "seller_receivable_breakdown" not in capture
    _, next_capture = captured_order(paypal_api, fake_paypal, order_body(invoice_id="INV-2"))
    assert next_capture["status"] == "COMPLETED"  # the outcome applies to one capture only


def test_paypal_instrument_declined_keeps_order_approved(
    fake_paypal: FakePayPal, paypal_api: paypalrestsdk.Api
) -> None:
    fake_paypal.set_capture_outcome("INSTRUMENT_DECLINED")
    order = paypal_api.post("v2/checkout/orders", order_body())
    fake_paypal.approve(order["id"])
    with pytest.raises(paypal_errors.ResourceInvalid) as excinfo:
        paypal_api.post(f"v2/checkout/orders/{order['id']}/capture", {})
    error = paypal_error(excinfo.value)
    assert error["details"][0]["issue"] == "INSTRUMENT_DECLINED"
    assert "redirect" in {link["rel"] for link in error["links"]}
    assert fake_paypal.order(order["id"])["status"] == "APPROVED"
    retried = paypal_api.post(f"v2/checkout/orders/{order['id']}/capture", {})
    assert retried["status"] == "COMPLETED"


# ------------------------------------------------------------------------------------------
# PayPal: refunds
# ------------------------------------------------------------------------------------------
def test_paypal_refund_states(fake_paypal: FakePayPal, paypal_api: paypalrestsdk.Api) -> None:
    _, capture = captured_order(paypal_api, fake_paypal)
    refund_path = f"v2/payments/captures/{capture['id']}/refund"

    partial = paypal_api.post(refund_path, {"amount": {"currency_code": "USD", "value": "4.00"}})
    assert fake_paypal.requests[-1].status == 201
    assert set(partial) == {"id", "status", "links"}
    assert partial["status"] == "COMPLETED"
    assert paypal_api.get(f"v2/payments/captures/{capture['id']}")["status"] == "PARTIALLY_REFUNDED"

    with pytest.raises(paypal_errors.ResourceInvalid) as excinfo:
        paypal_api.post(refund_path, {"amount": {"currency_code": "USD", "value": "6.01"}})
    assert paypal_error(excinfo.value)["details"][0]["issue"] == "REFUND_AMOUNT_EXCEEDED"

    with pytest.raises(paypal_errors.ResourceInvalid) as excinfo:
        paypal_api.post(refund_path, {"amount": {"currency_code": "EUR", "value": "1.00"}})
    assert paypal_error(excinfo.value)["details"][0]["issue"] == "REFUND_CAPTURE_CURRENCY_MISMATCH"

    full = paypal_api.post(refund_path, {}, {"Prefer": "return=representation"})
    assert full["amount"] == {"currency_code": "USD", "value": "6.00"}
    assert full["seller_payable_breakdown"]["total_refunded_amount"]["value"] == "10.00"
    up = next(link for link in full["links"] if link["rel"] == "up")
    assert up["href"].endswith(f"/v2/payments/captures/{capture['id']}")
    assert fake_paypal.specs.validate("payments", "refund", full) == []
    assert paypal_api.get(f"v2/payments/captures/{capture['id']}")["status"] == "REFUNDED"
    assert paypal_api.get(f"v2/payments/refunds/{partial['id']}")["amount"]["value"] == "4.00"

    with pytest.raises(paypal_errors.ResourceInvalid) as excinfo:
        paypal_api.post(refund_path, {})
    assert paypal_error(excinfo.value)["details"][0]["issue"] == "CAPTURE_FULLY_REFUNDED"
    assert fake_paypal.invalid_requests == []


def test_paypal_refund_body_is_validated_against_the_payments_spec(
    fake_paypal: FakePayPal, paypal_api: paypalrestsdk.Api
) -> None:
    _, capture = captured_order(paypal_api, fake_paypal, order_body("1000", "JPY"))
    refund_path = f"v2/payments/captures/{capture['id']}/refund"
    missing = paypal_api.post(refund_path, {"amount": {"value": "100"}})
    assert missing["error"]["details"][0]["issue"] == "MISSING_REQUIRED_PARAMETER"
    assert missing["error"]["details"][0]["field"] == "/amount/currency_code"
    with pytest.raises(paypal_errors.ResourceInvalid) as excinfo:
        paypal_api.post(refund_path, {"amount": {"currency_code": "JPY", "value": "100.50"}})
    assert paypal_error(excinfo.value)["details"][0]["issue"] == "DECIMALS_NOT_SUPPORTED"
    assert len(fake_paypal.invalid_requests) == 2
    assert (
        paypal_api.post(refund_path, {"amount": {"currency_code": "JPY", "value": "100"}})["status"]
        == "COMPLETED"
    )


# ------------------------------------------------------------------------------------------
# PayPal: idempotency and faults
# ------------------------------------------------------------------------------------------
def test_paypal_request_id_replays_create_capture_and_refund(
    fake_paypal: FakePayPal, paypal_api: paypalrestsdk.Api
) -> None:
    first = paypal_api.post("v2/checkout/orders", order_body(), {"PayPal-Request-Id": "ord-1"})
    again = paypal_api.post("v2/checkout/orders", order_body(), {"PayPal-Request-Id": "ord-1"})
    assert again == first
    assert (fake_paypal.requests[-1].status, fake_paypal.requests[-1].replayed) == (200, True)
    assert list(fake_paypal.orders) == [first["id"]]

    fake_paypal.approve(first["id"])
    capture_path = f"v2/checkout/orders/{first['id']}/capture"
    cap1 = paypal_api.post(capture_path, {}, {"PayPal-Request-Id": "cap-1"})
    cap2 = paypal_api.post(capture_path, {}, {"PayPal-Request-Id": "cap-1"})
    assert cap2 == cap1
    assert fake_paypal.requests[-1].status == 200
    assert len(fake_paypal.captures) == 1

    capture_id = cap1["purchase_units"][0]["payments"]["captures"][0]["id"]
    refund_path = f"v2/payments/captures/{capture_id}/refund"
    amount = {"amount": {"currency_code": "USD", "value": "2.00"}}
    ref1 = paypal_api.post(refund_path, amount, {"PayPal-Request-Id": "ref-1"})
    ref2 = paypal_api.post(refund_path, amount, {"PayPal-Request-Id": "ref-1"})
    assert ref2["id"] == ref1["id"]
    assert len(fake_paypal.refunds) == 1
    assert fake_paypal.capture(capture_id)["status"] == "PARTIALLY_REFUNDED"


def test_paypal_fail_next_and_delay_next(
    fake_paypal: FakePayPal, paypal_api: paypalrestsdk.Api
) -> None:
    fake_paypal.fail_next(1, status=500)
    with pytest.raises(paypal_errors.ServerError) as excinfo:
        paypal_api.post("v2/checkout/orders", order_body(), {"PayPal-Request-Id": "f-1"})
    assert json.loads(excinfo.value.content)["name"] == "INTERNAL_SERVER_ERROR"
    assert [r.status for r in fake_paypal.requests] == [200, 500]  # token call not failed
    retried = paypal_api.post("v2/checkout/orders", order_body(), {"PayPal-Request-Id": "f-1"})
    assert fake_paypal.requests[-1].status == 201
    assert list(fake_paypal.orders) == [retried["id"]]

    fake_paypal.fail_next(1, status=503)
    with pytest.raises(paypal_errors.ServerError):
        paypal_api.get(f"v2/checkout/orders/{retried['id']}")

    fake_paypal.delay_next(1, 0.4)
    started = time.monotonic()
    assert paypal_api.get(f"v2/checkout/orders/{retried['id']}")["id"] == retried["id"]
    assert time.monotonic() - started >= 0.4


# ------------------------------------------------------------------------------------------
# PayPal: webhooks
# ------------------------------------------------------------------------------------------
def verify_body(headers: dict[str, str], event: dict[str, Any], webhook_id: str) -> dict[str, Any]:
    return {
        "auth_algo": headers["PAYPAL-AUTH-ALGO"],
        "cert_url": headers["PAYPAL-CERT-URL"],
        "transmission_id": headers["PAYPAL-TRANSMISSION-ID"],
        "transmission_sig": headers["PAYPAL-TRANSMISSION-SIG"],
        "transmission_time": headers["PAYPAL-TRANSMISSION-TIME"],
        "webhook_id": webhook_id,
        "webhook_event": event,
    }


def test_paypal_webhook_event_envelope(
    fake_paypal: FakePayPal, paypal_api: paypalrestsdk.Api
) -> None:
    _, capture = captured_order(paypal_api, fake_paypal)
    event = fake_paypal.webhook_event(
        "PAYMENT.CAPTURE.COMPLETED", fake_paypal.capture(capture["id"])
    )
    assert re.fullmatch(r"WH-[A-Z0-9]{17}-[A-Z0-9]{17}", event["id"])
    assert event["event_version"] == "1.0"
    assert event["resource_version"] == "2.0"
    assert event["resource_type"] == "capture"
    assert event["event_type"] == "PAYMENT.CAPTURE.COMPLETED"
    assert event["summary"] == "Payment completed for $ 10.00 USD"
    assert event["resource"]["custom_id"] == "enrollment-42"
    assert event["resource"]["supplementary_data"]["related_ids"]["order_id"]
    assert {link["rel"] for link in event["links"]} == {"self", "resend"}
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", event["create_time"])
    assert fake_paypal.specs.validate("webhooks", "event", event) == []
    refund_event = fake_paypal.webhook_event("PAYMENT.CAPTURE.REFUNDED", {"id": "R1"})
    assert refund_event["resource_type"] == "refund"


def test_paypal_verify_webhook_signature(
    fake_paypal: FakePayPal, paypal_api: paypalrestsdk.Api
) -> None:
    _, capture = captured_order(paypal_api, fake_paypal)
    event = fake_paypal.webhook_event(
        "PAYMENT.CAPTURE.COMPLETED", fake_paypal.capture(capture["id"])
    )
    headers = fake_paypal.transmission_headers(event)
    assert set(headers) == {
        "PAYPAL-TRANSMISSION-ID",
        "PAYPAL-TRANSMISSION-TIME",
        "PAYPAL-TRANSMISSION-SIG",
        "PAYPAL-CERT-URL",
        "PAYPAL-AUTH-ALGO",
    }
    delivered = json.loads(json.dumps(event))  # what the adapter parses off the wire
    path = "v1/notifications/verify-webhook-signature"

    ok = paypal_api.post(path, verify_body(headers, delivered, fake_paypal.webhook_id))
    assert ok == {"verification_status": "SUCCESS"}
    assert fake_paypal.requests[-1].status == 200

    wrong_webhook = paypal_api.post(path, verify_body(headers, delivered, "OTHERWEBHOOK1"))
    assert wrong_webhook == {"verification_status": "FAILURE"}
    tampered = json.loads(json.dumps(event))
    tampered["resource"]["amount"]["value"] = "0.01"
    assert paypal_api.post(path, verify_body(headers, tampered, fake_paypal.webhook_id)) == {
        "verification_status": "FAILURE"
    }
    forged = dict(headers, **{"PAYPAL-TRANSMISSION-SIG": "Zm9yZ2Vk"})
    assert paypal_api.post(path, verify_body(forged, delivered, fake_paypal.webhook_id)) == {
        "verification_status": "FAILURE"
    }
    assert fake_paypal.requests[-1].status == 200
    assert fake_paypal.invalid_requests == []

    invalid = verify_body(headers, delivered, "not a valid id!")
    del invalid["cert_url"]
    result = paypal_api.post(path, invalid)
    issues = {(d["issue"], d["field"]) for d in result["error"]["details"]}
    assert issues == {
        ("MISSING_REQUIRED_PARAMETER", "/cert_url"),
        ("INVALID_PARAMETER_SYNTAX", "/webhook_id"),
    }
    assert fake_paypal.specs.validate("webhooks", "error", result["error"]) == []
    assert fake_paypal.invalid_requests == [fake_paypal.requests[-1]]


def test_default_specs_dir_is_found_beside_the_repo(tmp_path: Path) -> None:
    found = default_specs_dir()
    assert found.parts[-3:] == ("shared", "specs", "paypal")
    assert (found / "checkout_orders_v2.json").is_file()
    repo_root = Path(__file__).resolve().parents[3]
    assert found == repo_root.parent / "shared" / "specs" / "paypal"
    # Walking up from deep inside another tree finds that tree's own shared/ first.
    specs = tmp_path / "ci" / "shared" / "specs" / "paypal"
    specs.mkdir(parents=True)
    (specs / "checkout_orders_v2.json").write_text("{}")
    deep = tmp_path / "ci" / "main" / "tests"
    deep.mkdir(parents=True)
    assert default_specs_dir(deep) == specs
