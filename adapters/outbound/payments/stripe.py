"""Stripe behind the ``PaymentGateway``, ``WebhookAuthenticator`` and ``WebhookInterpreter``
ports, through the official SDK (stripe-python 15.3.1, ``StripeClient.v1``).

Wire facts followed here come from ``vendor-contracts.md`` section 1: form-encoded v1 POSTs,
lowercase currency codes, amounts in Stripe's own minor units, an ``Idempotency-Key`` on every
POST, ``Stripe-Signature`` webhooks. Since API 2022-08-01 an open Checkout Session has
``payment_intent: null`` until it is paid, so a session's PaymentIntent is looked up only once
the session is complete.

Amounts. Our ``Money`` uses ISO 4217 exponents; Stripe uses its own: its zero-decimal list
(which includes MGA, ISO 2-decimal) takes whole units, ISK (ISO 0) is sent with two decimals
that must be 00, and the three-decimal currencies take 3-decimal units whose last digit is 0.
``to_stripe_amount`` / ``from_stripe_amount`` convert exactly or refuse; they never round.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any, NoReturn

import stripe
from stripe.params import (
    PaymentIntentCancelParams,
    PaymentIntentCreateParams,
    PaymentIntentRetrieveParams,
    RefundCreateParams,
)
from stripe.params.checkout import SessionCreateParams, SessionRetrieveParams

from adapters.outbound.payments.headers import header_value
from adapters.outbound.system import SystemClock
from application.payments.errors import GatewayDeclined, GatewayMisconfigured, GatewayUnavailable
from application.payments.ports import (
    PaymentNotice,
    PaymentRequest,
    PaymentSession,
    PaymentState,
    RefundReceipt,
)
from application.shared.errors import InvalidSignature
from application.shared.ports import Clock, WebhookEvent
from domain.shared.errors import InvalidValue
from domain.shared.money import Money, currency_exponent

__all__ = [
    "STRIPE_THREE_DECIMAL",
    "STRIPE_ZERO_DECIMAL",
    "SUPPORTED_CURRENCIES",
    "StripePaymentGateway",
    "StripeWebhookAuthenticator",
    "StripeWebhookInterpreter",
    "build_stripe_client",
    "from_stripe_amount",
    "stripe_exponent",
    "to_stripe_amount",
]

PROVIDER = "stripe"

# docs.stripe.com/currencies, as quoted in vendor-contracts.md section 1.
STRIPE_ZERO_DECIMAL = frozenset({
    "BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF", "UGX", "VND", "VUV",
    "XAF", "XOF", "XPF",
})
STRIPE_THREE_DECIMAL = frozenset({"BHD", "JOD", "KWD", "OMR", "TND"})

# The currencies eduport offers through Stripe. Stripe charges in ~135 presentment currencies,
# but "every ISO currency except a few" is wrong (funds codes such as CLF/UYI, IQD, LYD, ...
# are not charged) and each currency brings its own minimums and decimal quirks. So this is a
# deliberately conservative list of major currencies, all of which Stripe charges
# (docs.stripe.com/currencies) and whose decimal rules ``to_stripe_amount`` knows. Adding one is
# a one-line change once its rules (decimals, minimum amount) have been checked.
SUPPORTED_CURRENCIES = frozenset({
    "USD", "EUR", "GBP", "EGP", "JPY", "KWD", "AED", "SAR", "INR", "CAD", "AUD", "CHF", "SEK",
    "NOK", "DKK", "PLN", "BRL", "MXN", "ZAR", "NGN", "KES",
})

# Stripe's Checkout Session ``expires_at`` window, measured by Stripe from the session's
# creation. We keep a margin for clock skew and latency, and round a clamped value to a
# 5-minute step so a retry with the same idempotency key a little later sends the same
# parameters (Stripe rejects a key reused with different parameters).
_CHECKOUT_MIN_LIFETIME = timedelta(minutes=30)
_CHECKOUT_MAX_LIFETIME = timedelta(hours=24)
_CHECKOUT_MARGIN = timedelta(minutes=2)
_CLAMP_STEP_SECONDS = 300

_SECRET_PATTERN = re.compile(r"\b(?:sk|rk|pk|whsec)_[A-Za-z0-9_*]+")
_MAX_MESSAGE = 300

JSON = dict[str, Any]


# --- amounts -------------------------------------------------------------------------------


def stripe_exponent(currency: str) -> int:
    """Decimal places of ``amount`` in Stripe's API for an upper-case ISO currency code."""
    if currency in STRIPE_ZERO_DECIMAL:
        return 0
    if currency in STRIPE_THREE_DECIMAL:
        return 3
    return 2


def _checked_exponents(currency: str) -> tuple[int, int]:
    iso = currency_exponent(currency)
    stripe_exp = stripe_exponent(currency)
    if iso > 2 and currency not in STRIPE_THREE_DECIMAL:
        # IQD, LYD, CLF, UYW: Stripe has no 3- or 4-decimal representation for them.
        raise GatewayDeclined(f"Stripe does not charge in {currency}")
    return iso, stripe_exp


def to_stripe_amount(money: Money) -> int:
    """``money`` as the integer ``amount`` Stripe expects for its currency.

    Raises ``GatewayDeclined`` when Stripe cannot represent the amount exactly: a MGA amount
    with cents (Stripe treats MGA as zero-decimal), a three-decimal amount whose last digit is
    not 0 (BHD JOD KWD OMR TND), a currency Stripe has no exponent for, or a negative amount.
    """
    if money.amount_minor < 0:
        raise GatewayDeclined("Stripe amounts cannot be negative")
    currency = money.currency
    iso, stripe_exp = _checked_exponents(currency)
    if currency in STRIPE_THREE_DECIMAL and money.amount_minor % 10:
        raise GatewayDeclined(
            f"Stripe charges {currency} in steps of 0.010: {money.to_decimal_string()} "
            f"{currency} cannot be charged (the last of the three decimals must be 0)")
    if stripe_exp >= iso:
        return money.amount_minor * int(10 ** (stripe_exp - iso))
    step = int(10 ** (iso - stripe_exp))
    if money.amount_minor % step:
        raise GatewayDeclined(
            f"Stripe charges {currency} in whole units only: {money.to_decimal_string()} "
            f"{currency} cannot be charged")
    return money.amount_minor // step


def from_stripe_amount(amount: int, currency: str) -> Money:
    """A Stripe ``amount`` in ``currency`` (either case) as ``Money`` in ISO minor units.

    Raises ``InvalidValue`` for an unknown currency or an amount that has no exact ISO
    representation (an ISK amount that is not a multiple of 100)."""
    code = currency.upper()
    iso, stripe_exp = _checked_exponents(code)
    if iso >= stripe_exp:
        return Money(amount * int(10 ** (iso - stripe_exp)), code)
    step = int(10 ** (stripe_exp - iso))
    if amount % step:
        raise InvalidValue(f"Stripe amount {amount} {code} has no exact ISO 4217 value")
    return Money(amount // step, code)


# --- client --------------------------------------------------------------------------------


def build_stripe_client(secret: str, api_base: str,
                        timeout_seconds: float = 10) -> stripe.StripeClient:
    """The SDK client the composition root injects: explicit timeout (``RequestsClient``'s
    ``timeout``, applied to connect and read), no SDK-level retries (jobs retry with backoff,
    with the same idempotency key)."""
    return stripe.StripeClient(
        secret,
        base_addresses={"api": api_base},
        max_network_retries=0,
        http_client=stripe.RequestsClient(timeout=timeout_seconds),
    )


def _plain(obj: Any) -> JSON:
    """A StripeObject (no longer a dict since v15) as plain nested dicts and lists."""
    data = obj.to_dict(recursive=True)
    if not isinstance(data, dict):
        raise GatewayUnavailable("Stripe answered something that is not an object")
    return data


def _safe(text: str | None) -> str:
    cleaned = _SECRET_PATTERN.sub("[redacted]", text or "").strip()
    return cleaned[:_MAX_MESSAGE] or "no details"


def _error_data(exc: stripe.StripeError) -> JSON:
    body = exc.json_body
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        return body["error"]  # type: ignore[no-any-return]
    return {}


def _request_id(exc: stripe.StripeError) -> str:
    return f" (request {exc.request_id})" if exc.request_id else ""


def _translate(exc: stripe.StripeError, action: str) -> NoReturn:
    """Maps an SDK error to ``GatewayUnavailable`` (transient; ``GatewayMisconfigured`` when
    Stripe refuses our key) or ``GatewayDeclined``.
    Messages name the action, Stripe's code and request id; never the key or a raw body."""
    error = _error_data(exc)
    code = error.get("code") if isinstance(error.get("code"), str) else None
    status = exc.http_status
    rid = _request_id(exc)
    if isinstance(exc, stripe.APIConnectionError):
        raise GatewayUnavailable(
            f"Stripe could not be reached or timed out while trying to {action}; "
            "retry later") from exc
    if not isinstance(error.get("type"), str):
        # Stripe always answers an error with its error object. Anything else (a proxy's
        # HTML page, a 404 from another server at a wrong STRIPE_API_BASE, a body that is
        # not JSON) is no card's or business's refusal: never shown or stored as declined.
        raise GatewayMisconfigured(
            f"the answer to {action} was not Stripe's (HTTP {status or 'error'}, no Stripe "
            f"error object): check STRIPE_API_BASE and any proxy in between{rid}") from exc
    if isinstance(exc, stripe.RateLimitError):
        raise GatewayUnavailable(f"Stripe rate-limited the request to {action}{rid}") from exc
    if isinstance(exc, stripe.CardError):
        reason = error.get("decline_code") or code or "card_declined"
        raise GatewayDeclined(
            f"Stripe declined the payment: {_safe(error.get('message'))} ({reason}){rid}"
        ) from exc
    if isinstance(exc, stripe.IdempotencyError):
        raise GatewayDeclined(
            f"Stripe refused to {action}: the idempotency key was already used with other "
            f"parameters{rid}") from exc
    if isinstance(exc, stripe.AuthenticationError):
        raise GatewayMisconfigured(
            f"Stripe rejected the API key while trying to {action}; check the configured "
            f"Stripe secret key{rid}") from exc
    if isinstance(exc, stripe.PermissionError):
        raise GatewayMisconfigured(
            f"The Stripe API key is not permitted to {action}{rid}") from exc
    if isinstance(exc, stripe.InvalidRequestError):
        detail = _safe(error.get("message") or exc.user_message)
        param = error.get("param")
        where = f", param {param}" if isinstance(param, str) and param else ""
        raise GatewayDeclined(
            f"Stripe refused to {action}: {detail} ({code or 'invalid_request'}{where}){rid}"
        ) from exc
    if status is None or status >= 500 or status in (409, 424):
        raise GatewayUnavailable(
            f"Stripe failed (HTTP {status or 'error'}) while trying to {action}; "
            f"retry later{rid}") from exc
    raise GatewayDeclined(
        f"Stripe refused to {action} (HTTP {status}, {code or 'error'}){rid}") from exc


@contextmanager
def _stripe_call(action: str) -> Iterator[None]:
    try:
        yield
    except stripe.StripeError as exc:
        _translate(exc, action)


def _from_unix(value: Any) -> datetime | None:
    return datetime.fromtimestamp(value, UTC) if isinstance(value, int) else None


def _kind(reference: str) -> str:
    if reference.startswith("pi_"):
        return "payment_intent"
    if reference.startswith("cs_"):
        return "checkout_session"
    raise GatewayDeclined(f"{reference!r} is not a Stripe PaymentIntent or Checkout Session")


# --- gateway -------------------------------------------------------------------------------


class StripePaymentGateway:
    """``PaymentGateway`` over PaymentIntents (Stripe.js confirms with ``client_secret``) and
    hosted Checkout Sessions (the buyer is redirected to ``url``). Stripe captures by itself,
    so ``complete`` is ``fetch``."""

    provider = PROVIDER

    def __init__(self, client: stripe.StripeClient, clock: Clock | None = None) -> None:
        self._client = client
        self._clock: Clock = clock or SystemClock()

    def supports(self, currency: str) -> bool:
        """True for the conservative list in ``SUPPORTED_CURRENCIES`` (see its comment)."""
        return currency.upper() in SUPPORTED_CURRENCIES

    # start -------------------------------------------------------------------------------

    def start(self, request: PaymentRequest) -> PaymentSession:
        """Creates a PaymentIntent (flow "payment_intent") or a hosted Checkout Session (flow
        "checkout_session") under ``request.idempotency_key``."""
        if request.flow == "payment_intent":
            return self._start_payment_intent(request)
        if request.flow == "checkout_session":
            return self._start_checkout_session(request)
        raise GatewayDeclined(f"Stripe does not offer the {request.flow!r} payment flow")

    def _metadata(self, request: PaymentRequest) -> dict[str, str]:
        return {"payment_id": request.payment_id, "order_id": request.order_id}

    def _start_payment_intent(self, request: PaymentRequest) -> PaymentSession:
        params: PaymentIntentCreateParams = {
            "amount": to_stripe_amount(request.amount),
            "currency": request.amount.currency.lower(),
            "automatic_payment_methods": {"enabled": True},
            "metadata": self._metadata(request),
        }
        if request.description:
            params["description"] = request.description
        if request.customer_email:
            params["receipt_email"] = request.customer_email
        with _stripe_call("create a PaymentIntent"):
            intent = _plain(self._client.v1.payment_intents.create(
                params=params, options={"idempotency_key": request.idempotency_key}))
        return PaymentSession(provider=PROVIDER, reference=str(intent["id"]),
                              client_secret=intent.get("client_secret"), redirect_url=None,
                              expires_at=None)

    def _checkout_expiry(self, wanted: datetime | None) -> int | None:
        if wanted is None:
            return None  # Stripe's default: 24 h
        now = self._clock.now()
        earliest = now + _CHECKOUT_MIN_LIFETIME + _CHECKOUT_MARGIN
        latest = now + _CHECKOUT_MAX_LIFETIME - _CHECKOUT_MARGIN
        if wanted < earliest:
            step = _CLAMP_STEP_SECONDS
            return math.ceil(earliest.timestamp() / step) * step
        if wanted > latest:
            step = _CLAMP_STEP_SECONDS
            return math.floor(latest.timestamp() / step) * step
        return int(wanted.timestamp())

    def _line_items(self, request: PaymentRequest) -> list[Any]:
        lines = request.lines
        if not lines:
            items = [(request.description or "eduport order", request.amount)]
        else:
            total = Money.zero(request.amount.currency)
            for line in lines:
                if line.price.currency != request.amount.currency:
                    raise GatewayDeclined(
                        f"checkout line {line.item_id!r} is in {line.price.currency}, the "
                        f"payment is in {request.amount.currency}")
                total = total + line.price
            if total != request.amount:
                raise GatewayDeclined(
                    f"checkout lines total {total.to_decimal_string()} {total.currency}, the "
                    f"payment is for {request.amount.to_decimal_string()} {total.currency}")
            items = [(line.title or request.description or line.item_id, line.price)
                     for line in lines]
        return [
            {
                "price_data": {
                    "currency": price.currency.lower(),
                    "unit_amount": to_stripe_amount(price),
                    "product_data": {"name": name},
                },
                "quantity": 1,
            }
            for name, price in items
        ]

    def _start_checkout_session(self, request: PaymentRequest) -> PaymentSession:
        metadata = self._metadata(request)
        params: SessionCreateParams = {
            "mode": "payment",
            "line_items": self._line_items(request),
            "success_url": request.success_url,
            "cancel_url": request.cancel_url,
            "client_reference_id": request.payment_id,
            "metadata": metadata,
            "payment_intent_data": {"metadata": dict(metadata)},
        }
        expires_at = self._checkout_expiry(request.expires_at)
        if expires_at is not None:
            params["expires_at"] = expires_at
        if request.customer_email:
            params["customer_email"] = request.customer_email
        with _stripe_call("create a Checkout Session"):
            session = _plain(self._client.v1.checkout.sessions.create(
                params=params, options={"idempotency_key": request.idempotency_key}))
        return PaymentSession(provider=PROVIDER, reference=str(session["id"]),
                              client_secret=None, redirect_url=session.get("url"),
                              expires_at=_from_unix(session.get("expires_at")))

    # fetch -------------------------------------------------------------------------------

    def fetch(self, reference: str) -> PaymentState:
        """The PaymentIntent's or Checkout Session's current state, with refunds."""
        if _kind(reference) == "payment_intent":
            return self._intent_state(reference, self._retrieve_intent(reference))
        session = self._retrieve_session(reference)
        status = session.get("status")
        if status == "expired":
            return PaymentState(reference=reference, status="expired", received=None)
        if status != "complete":
            return PaymentState(reference=reference, status="pending", received=None)
        pi_id = session.get("payment_intent")
        if not isinstance(pi_id, str):
            # complete without a PaymentIntent: nothing was charged (yet)
            return PaymentState(reference=reference, status="pending", received=None)
        # Paid: the intent's state gives what was received and refunded. Unpaid (a delayed
        # method): the intent is "processing" (pending) until it succeeds or fails; money that
        # arrived is never hidden behind a session not yet marked paid.
        return self._intent_state(reference, self._retrieve_intent(pi_id))

    def complete(self, reference: str, idempotency_key: str) -> PaymentState:
        """Stripe captures by itself (automatic capture): the current state."""
        return self.fetch(reference)

    def _retrieve_intent(self, pi_id: str) -> JSON:
        params: PaymentIntentRetrieveParams = {"expand": ["latest_charge"]}
        with _stripe_call("retrieve a PaymentIntent"):
            return _plain(self._client.v1.payment_intents.retrieve(pi_id, params=params))

    def _retrieve_session(self, session_id: str) -> JSON:
        params: SessionRetrieveParams = {}
        with _stripe_call("retrieve a Checkout Session"):
            return _plain(self._client.v1.checkout.sessions.retrieve(session_id, params=params))

    def _refunded_minor(self, intent: JSON) -> int:
        charge = intent.get("latest_charge")
        if isinstance(charge, str):  # not expanded
            with _stripe_call("retrieve a charge"):
                charge = _plain(self._client.v1.charges.retrieve(charge))
        if not isinstance(charge, dict):
            return 0
        refunded = charge.get("amount_refunded") or 0
        return from_stripe_amount(int(refunded), str(charge["currency"])).amount_minor

    def _intent_state(self, reference: str, intent: JSON) -> PaymentState:
        pi_id = str(intent["id"])
        status = intent.get("status")
        if status == "succeeded":
            received = from_stripe_amount(int(intent.get("amount_received") or 0),
                                          str(intent["currency"]))
            return PaymentState(reference=reference, status="succeeded", received=received,
                                provider_payment_id=pi_id,
                                refunded_minor=self._refunded_minor(intent))
        if status == "requires_action":
            next_action = intent.get("next_action") or {}
            return PaymentState(reference=reference, status="requires_action", received=None,
                                provider_payment_id=pi_id,
                                next_action={"type": next_action.get("type"),
                                             "client_secret": intent.get("client_secret")})
        if status == "canceled":
            return PaymentState(reference=reference, status="canceled", received=None,
                                provider_payment_id=pi_id)
        error = intent.get("last_payment_error")
        if status == "requires_payment_method" and isinstance(error, dict):
            reason = error.get("decline_code") or error.get("code") or "payment_failed"
            return PaymentState(reference=reference, status="failed", received=None,
                                provider_payment_id=pi_id, failure_reason=str(reason))
        # requires_payment_method (no attempt yet), requires_confirmation, processing,
        # requires_capture
        return PaymentState(reference=reference, status="pending", received=None,
                            provider_payment_id=pi_id)

    # cancel ------------------------------------------------------------------------------

    def cancel(self, reference: str, idempotency_key: str) -> None:
        """Cancels an open PaymentIntent / expires an open Checkout Session. One that is
        already closed (succeeded, canceled, complete, expired) is left alone."""
        options: Any = {"idempotency_key": idempotency_key}
        try:
            if _kind(reference) == "payment_intent":
                params: PaymentIntentCancelParams = {}
                self._client.v1.payment_intents.cancel(reference, params=params,
                                                       options=options)
            else:
                self._client.v1.checkout.sessions.expire(reference, options=options)
        except stripe.InvalidRequestError as exc:
            if exc.http_status == 400 and self._is_closed(reference):
                return
            _translate(exc, "cancel a payment")
        except stripe.StripeError as exc:
            _translate(exc, "cancel a payment")

    def _is_closed(self, reference: str) -> bool:
        if _kind(reference) == "payment_intent":
            return self._retrieve_intent(reference).get("status") in ("succeeded", "canceled")
        return self._retrieve_session(reference).get("status") in ("complete", "expired")

    # refund ------------------------------------------------------------------------------

    def refund(self, reference: str, payment_id: str | None, amount: Money,
               idempotency_key: str) -> RefundReceipt:
        """Refunds ``amount`` of the PaymentIntent behind ``reference`` (a Checkout Session
        is resolved to its PaymentIntent). Over-refunds and unpaid attempts are refused by
        Stripe (``GatewayDeclined``)."""
        pi_id = self._intent_id(reference)
        intent = self._retrieve_intent(pi_id)
        if str(intent.get("currency", "")).upper() != amount.currency:
            raise GatewayDeclined(
                f"cannot refund {amount.currency} on a payment charged in "
                f"{str(intent.get('currency', '?')).upper()}")
        params: RefundCreateParams = {"payment_intent": pi_id,
                                      "amount": to_stripe_amount(amount)}
        if payment_id:
            params["metadata"] = {"payment_id": payment_id}
        with _stripe_call("create a refund"):
            refund = _plain(self._client.v1.refunds.create(
                params=params, options={"idempotency_key": idempotency_key}))
        status = refund.get("status")
        mapped = ("succeeded" if status == "succeeded"
                  else "failed" if status in ("failed", "canceled") else "pending")
        return RefundReceipt(reference=str(refund["id"]), status=mapped,
                             amount=from_stripe_amount(int(refund["amount"]),
                                                       str(refund["currency"])))

    def _intent_id(self, reference: str) -> str:
        if _kind(reference) == "payment_intent":
            return reference
        pi_id = self._retrieve_session(reference).get("payment_intent")
        if not isinstance(pi_id, str):
            raise GatewayDeclined(
                "this Checkout Session has no payment to refund (it was never paid)")
        return pi_id


# --- webhooks ------------------------------------------------------------------------------


class StripeWebhookAuthenticator:
    """Verifies ``Stripe-Signature`` with ``stripe.Webhook.construct_event`` on the raw body,
    and additionally rejects timestamps more than ``tolerance`` seconds in the future (the SDK
    checks only the past). Every failure is ``InvalidSignature``."""

    provider = PROVIDER

    def __init__(self, secret: str, tolerance: int = 300, clock: Clock | None = None) -> None:
        if not secret:
            raise ValueError("a Stripe webhook signing secret (whsec_...) is required")
        if tolerance <= 0:
            raise ValueError("the webhook tolerance must be a positive number of seconds")
        self._secret = secret
        self._tolerance = tolerance
        self._clock: Clock = clock or SystemClock()

    def authenticate(self, headers: Mapping[str, str], body: bytes) -> WebhookEvent:
        signature = header_value(headers, "Stripe-Signature")
        if not signature:
            raise InvalidSignature("the Stripe-Signature header is missing")
        try:
            text = body.decode("utf-8")
            # The SDK's own check of the raw body; the body is parsed once, below, by us
            # (construct_event would also build an SDK Event we do not use).
            stripe.WebhookSignature.verify_header(  # type: ignore[no-untyped-call]
                text, signature, self._secret, self._tolerance)
            payload = json.loads(text)
        except stripe.SignatureVerificationError as exc:
            raise InvalidSignature(
                "the Stripe signature does not match or is too old") from exc
        except (ValueError, TypeError) as exc:
            # not UTF-8, not JSON: not a delivery we accept
            raise InvalidSignature("the Stripe delivery is not a JSON event") from exc
        timestamp = self._timestamp(signature)
        age = self._clock.now().timestamp() - timestamp
        if abs(age) > self._tolerance:
            raise InvalidSignature("the Stripe signature timestamp is outside the tolerance")
        if not isinstance(payload, dict):
            raise InvalidSignature("the Stripe delivery is not an event object")
        event_id, event_type = payload.get("id"), payload.get("type")
        if not isinstance(event_id, str) or not isinstance(event_type, str) or not event_id:
            raise InvalidSignature("the Stripe delivery has no event id or type")
        return WebhookEvent(provider=PROVIDER, event_id=event_id, event_type=event_type,
                            payload=payload)

    @staticmethod
    def _timestamp(header: str) -> int:
        # the same parse as the SDK's WebhookSignature: the first t= item
        for item in header.split(","):
            key, _, value = item.partition("=")
            if key.strip() == "t":
                try:
                    return int(value)
                except ValueError:
                    break
        raise InvalidSignature("the Stripe-Signature header has no timestamp")


_PAYMENT_INTENT_EVENTS = frozenset({
    "payment_intent.succeeded",
    "payment_intent.payment_failed",
    "payment_intent.processing",
    "payment_intent.canceled",
    "payment_intent.requires_action",
})
_CHECKOUT_EVENTS = frozenset({
    "checkout.session.completed",
    "checkout.session.async_payment_succeeded",
    "checkout.session.async_payment_failed",
    "checkout.session.expired",
})
_REFUND_EVENTS = frozenset({
    "refund.created", "refund.updated", "refund.failed", "charge.refund.updated",
})
_IGNORE = PaymentNotice(kind="ignore")


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _metadata_payment_id(obj: JSON) -> str | None:
    metadata = obj.get("metadata")
    return _text(metadata.get("payment_id")) if isinstance(metadata, dict) else None


class StripeWebhookInterpreter:
    """Maps Stripe events to ``PaymentNotice``s. Our payment id comes from ``metadata``
    (``client_reference_id`` for Checkout); the reference is the object's PaymentIntent or
    Checkout Session id. Unknown types and events missing the fields needed are "ignore"."""

    provider = PROVIDER

    def interpret(self, event: WebhookEvent) -> PaymentNotice:
        data = event.payload.get("data") if isinstance(event.payload, dict) else None
        obj = data.get("object") if isinstance(data, dict) else None
        if not isinstance(obj, dict):
            return _IGNORE
        kind = event.event_type
        if kind in _PAYMENT_INTENT_EVENTS:
            return self._notice("payment", obj, _text(obj.get("id")))
        if kind in _CHECKOUT_EVENTS:
            reference = _text(obj.get("id"))
            payment_id = _metadata_payment_id(obj) or _text(obj.get("client_reference_id"))
            return (PaymentNotice(kind="payment", payment_id=payment_id, reference=reference)
                    if reference else _IGNORE)
        if kind == "charge.refunded" or kind in _REFUND_EVENTS:
            return self._notice("refund", obj, _text(obj.get("payment_intent")))
        if kind in ("charge.dispute.created", "charge.dispute.closed"):
            reference = _text(obj.get("payment_intent"))
            if reference is None:
                return _IGNORE
            if kind == "charge.dispute.created":
                return PaymentNotice(kind="dispute_opened", reference=reference)
            return PaymentNotice(kind="dispute_closed", reference=reference,
                                 dispute_won=obj.get("status") != "lost")
        return _IGNORE

    @staticmethod
    def _notice(kind: str, obj: JSON, reference: str | None) -> PaymentNotice:
        if reference is None:
            return _IGNORE
        return PaymentNotice(kind=kind, payment_id=_metadata_payment_id(obj),
                             reference=reference)
