"""PayPal: Orders v2 checkout, Payments v2 refunds and webhook verification.

Everything goes through ``paypalrestsdk.Api``'s generic client (``api.post`` / ``api.get`` on
any path), as ../shared/vendor-contracts.md §2 describes: the SDK has no Orders v2 classes but
owns the OAuth2 client-credentials token. The stock ``Api`` has three defects that this module
fixes in ``SafePayPalApi``:

- it sends every request without an HTTP timeout (``requests.request`` with no ``timeout``);
- on a persistent 401 it re-authenticates and recurses without limit (``RecursionError`` after
  some 550 requests); here a 401 is followed by exactly one token refresh and one retry;
- in sandbox mode it logs request headers and bodies at DEBUG, which includes the Basic
  credentials and the Bearer token; here only method, path, status and PayPal-Debug-Id are logged.

Errors follow the ``PaymentGateway`` port: connection errors, timeouts, 408, 429 and 5xx raise
``GatewayUnavailable``; 401 (after one fresh token) and 403 raise ``GatewayMisconfigured``, our
credentials or account being at fault; other refusals raise ``PayPalRefusal`` (a
``GatewayDeclined``). Messages name PayPal's error name, issues and debug id, never a
credential or token. The SDK's
exception is not chained (``from None``): it holds the ``requests.Response`` whose request carries
the ``Authorization`` header, and error trackers record chained exceptions with their locals.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol
from urllib.parse import urlsplit

import paypalrestsdk  # type: ignore[import-untyped]
import requests
from paypalrestsdk import exceptions as paypal_errors

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
    "PAYPAL_CURRENCY_EXPONENTS",
    "PayPalPaymentGateway",
    "PayPalRefusal",
    "PayPalWebhookAuthenticator",
    "PayPalWebhookInterpreter",
    "SafePayPalApi",
    "build_paypal_api",
]

log = logging.getLogger(__name__)

JSON = dict[str, Any]

# The hosts of PayPal's OpenAPI documents (``servers``); the SDK's own defaults are the legacy
# api.sandbox.paypal.com / api.paypal.com, which serve the same API.
PAYPAL_HOSTS: dict[str, str] = {
    "sandbox": "https://api-m.sandbox.paypal.com",
    "live": "https://api-m.paypal.com",
}

# developer.paypal.com/api/rest/reference/currency-codes: the currencies PayPal charges in and
# the decimals it accepts. HUF and TWD have two ISO 4217 decimals but PayPal takes none.
PAYPAL_CURRENCY_EXPONENTS: dict[str, int] = {
    "AUD": 2, "BRL": 2, "CAD": 2, "CNY": 2, "CZK": 2, "DKK": 2, "EUR": 2, "HKD": 2,
    "HUF": 0, "ILS": 2, "JPY": 0, "MYR": 2, "MXN": 2, "TWD": 0, "NZD": 2, "NOK": 2,
    "PHP": 2, "PLN": 2, "GBP": 2, "SGD": 2, "SEK": 2, "CHF": 2, "THB": 2, "USD": 2,
}  # fmt: skip

_MAX_REQUEST_ID = 108  # PayPal-Request-Id: 1..108 characters
_UNAVAILABLE_STATUSES = frozenset({408, 429})
# 401 after one fresh token, 403: our client id, secret or the account's permissions.
_OUR_SETUP_STATUSES = frozenset({401, 403})
_PENDING_ORDER_STATUSES = frozenset({"CREATED", "SAVED", "APPROVED", "PAYER_ACTION_REQUIRED"})
_PAID_CAPTURE_STATUSES = frozenset({"COMPLETED", "PARTIALLY_REFUNDED", "REFUNDED"})
_FAILED_CAPTURE_STATUSES = frozenset({"DECLINED", "FAILED"})
# 422 issues of a capture that mean "the buyer's money was refused": a failed state, not an error.
_DECLINE_ISSUES = frozenset({"INSTRUMENT_DECLINED", "TRANSACTION_REFUSED"})
# 422 issues of a capture that mean "not capturable now": the order's current state answers.
_REFETCH_ISSUES = frozenset({"ORDER_NOT_APPROVED", "PAYER_ACTION_REQUIRED",
                             "ORDER_ALREADY_CAPTURED"})


# --------------------------------------------------------------------------------------------
# the SDK client, made safe
# --------------------------------------------------------------------------------------------
class SafePayPalApi(paypalrestsdk.Api):  # type: ignore[misc]  # the SDK is untyped
    """``paypalrestsdk.Api`` with a timeout on every call, a single re-authentication on 401,
    no body for GET/DELETE, and logs free of credentials. Same public surface otherwise: 2xx
    answers are parsed JSON, a 400 is returned as ``{"error": <body>}`` and other failures raise
    the SDK's exceptions (or ``requests``' for connection errors and timeouts)."""

    def __init__(self, *, timeout_seconds: float = 10, **options: Any) -> None:
        if timeout_seconds <= 0:
            raise ValueError("timeout_seconds must be positive")
        super().__init__(**options)
        self.timeout_seconds = float(timeout_seconds)

    def request(self, url: str, method: str, body: Any = None,
                headers: Mapping[str, str] | None = None,
                refresh_token: str | None = None) -> Any:
        caller_headers = dict(headers or {})
        data = None if body is None and method in ("GET", "DELETE") else json.dumps(body)
        for attempt in (1, 2):
            try:
                # The caller's headers (PayPal-Request-Id, Prefer) belong to the API call, not
                # to the token request the SDK would otherwise copy them onto.
                http_headers = {**self.headers(refresh_token=refresh_token), **caller_headers}
                return self.http_call(url, method, data=data, headers=http_headers)
            except paypal_errors.BadRequest as error:
                return {"error": _json_or_text(error.content)}
            except paypal_errors.UnauthorizedAccess:
                # An expired or revoked token: fetch a new one once. A second 401 is final
                # (the stock SDK recurses here until RecursionError).
                if attempt == 2 or not self.client_id or refresh_token is not None:
                    raise
                self.token_hash = None
        raise AssertionError("unreachable")  # pragma: no cover

    def http_call(self, url: str, method: str, **kwargs: Any) -> Any:
        kwargs.pop("timeout", None)  # ours, always: no caller can turn it off
        response = requests.request(method, url, proxies=self.proxies,
                                    timeout=self.timeout_seconds, **kwargs)
        log.info("paypal %s %s -> %s", method, urlsplit(url).path, response.status_code,
                 extra={"paypal_debug_id": response.headers.get("PayPal-Debug-Id")})
        return self.handle_response(response, response.content.decode("utf-8", "replace"))


def build_paypal_api(mode: str, client_id: str, client_secret: str, api_base: str | None = None,
                     timeout_seconds: float = 10) -> SafePayPalApi:
    """The client for ``mode`` ("sandbox" or "live", exactly). ``api_base`` overrides the host
    (a local fake in tests); otherwise PayPal's official host for the mode is used."""
    if mode not in PAYPAL_HOSTS:
        raise ValueError(f'PayPal mode must be "sandbox" or "live", not {mode!r}')
    if not client_id or not client_secret:
        raise ValueError("PayPal needs a client id and a client secret")
    endpoint = (api_base or PAYPAL_HOSTS[mode]).rstrip("/")
    return SafePayPalApi(mode=mode, client_id=client_id, client_secret=client_secret,
                         endpoint=endpoint, timeout_seconds=timeout_seconds)


class PayPalClient(Protocol):
    """The part of ``paypalrestsdk.Api`` this module uses."""

    def get(self, action: str, headers: Mapping[str, str] | None = None) -> Any: ...
    def post(self, action: str, params: Mapping[str, Any] | None = None,
             headers: Mapping[str, str] | None = None) -> Any: ...


# --------------------------------------------------------------------------------------------
# errors
# --------------------------------------------------------------------------------------------
class PayPalRefusal(GatewayDeclined):
    """PayPal refused a request for good: 4xx other than 408/429, or a 400 error body."""

    def __init__(self, what: str, status: int | None, name: str, issues: tuple[str, ...],
                 debug_id: str | None) -> None:
        detail = name + (f" [{', '.join(issues)}]" if issues else "")
        ref = f" (debug id {debug_id})" if debug_id else ""
        code = f"HTTP {status} " if status is not None else ""
        super().__init__(f"PayPal refused to {what}: {code}{detail}{ref}")
        self.status, self.name, self.issues, self.debug_id = status, name, issues, debug_id


def _json_or_text(content: Any) -> Any:
    if isinstance(content, bytes):
        content = content.decode("utf-8", "replace")
    if not isinstance(content, str) or not content.strip():
        return {}
    try:
        return json.loads(content)
    except ValueError:
        return {"message": content[:200]}


def _error_parts(body: Any) -> tuple[str, tuple[str, ...], str | None]:
    """PayPal's error name, issues and debug id from an error body (v1, v2 or OAuth shape)."""
    if not isinstance(body, dict):
        return "UNKNOWN_ERROR", (), None
    name = body.get("name") or body.get("error") or "UNKNOWN_ERROR"
    details = body.get("details")
    issues = tuple(
        str(d["issue"]) for d in details if isinstance(d, dict) and isinstance(d.get("issue"), str)
    ) if isinstance(details, list) else ()
    debug_id = body.get("debug_id")
    return str(name)[:80], issues, str(debug_id)[:40] if debug_id else None


def _send(what: str, call: Callable[[], Any]) -> JSON:
    """Runs one SDK call and translates its outcome into a dict or one of the port's errors."""
    try:
        result = call()
    except requests.RequestException as exc:
        raise GatewayUnavailable(
            f"PayPal could not be reached to {what}: {type(exc).__name__}") from None
    except paypal_errors.ClientError as exc:
        status = getattr(exc.response, "status_code", None)
        name, issues, debug_id = _error_parts(_json_or_text(exc.content))
        if status in _UNAVAILABLE_STATUSES:
            raise GatewayUnavailable(
                f"PayPal is busy ({what}): HTTP {status} {name}") from None
        debug_id = debug_id or _header(exc.response, "PayPal-Debug-Id")
        if status in _OUR_SETUP_STATUSES:
            ref = f" (debug id {debug_id})" if debug_id else ""
            raise GatewayMisconfigured(
                f"PayPal refused our credentials or account set-up to {what}: HTTP {status} "
                f"{name}{ref}; check PAYPAL_MODE and its client id and secret") from None
        raise PayPalRefusal(what, status, name, issues, debug_id) from None
    except paypal_errors.ConnectionError as exc:  # 5xx, 3xx and unknown codes
        status = getattr(exc.response, "status_code", None)
        raise GatewayUnavailable(f"PayPal failed to {what}: HTTP {status}") from None
    except ValueError:  # a 2xx whose body is not JSON (a proxy's page, a truncated answer)
        raise GatewayUnavailable(f"PayPal answered {what} with a body that is not JSON") from None
    if not isinstance(result, dict):
        raise GatewayUnavailable(f"PayPal answered {what} with something other than JSON")
    if set(result) == {"error"}:  # the SDK's way of returning a 400
        name, issues, debug_id = _error_parts(result["error"])
        raise PayPalRefusal(what, 400, name, issues, debug_id)
    return result


def _header(response: Any, name: str) -> str | None:
    headers = getattr(response, "headers", None)
    value = headers.get(name) if headers is not None else None
    return str(value)[:40] if value else None


# --------------------------------------------------------------------------------------------
# money and small readers
# --------------------------------------------------------------------------------------------
def _paypal_value(amount: Money) -> str:
    """``amount`` as PayPal's decimal string ("10.00", "1000"); declines what PayPal cannot
    take: unsupported currencies, fractions of HUF/TWD/JPY, amounts that are not positive."""
    exponent = PAYPAL_CURRENCY_EXPONENTS.get(amount.currency)
    if exponent is None:
        raise GatewayDeclined(f"PayPal does not support {amount.currency}")
    if amount.amount_minor <= 0:
        raise GatewayDeclined("PayPal amounts must be positive")
    iso_exponent = currency_exponent(amount.currency)
    if exponent == iso_exponent:
        return amount.to_decimal_string()
    whole, rest = divmod(amount.amount_minor, 10 ** (iso_exponent - exponent))
    if rest:
        raise GatewayDeclined(f"PayPal takes no decimals in {amount.currency}: "
                              f"{amount.to_decimal_string()} is not a whole amount")
    return str(whole)


def _money_from(value: Any) -> Money | None:
    """A PayPal money object as ``Money`` in ISO minor units; None when unreadable."""
    if not isinstance(value, dict):
        return None
    currency, text = value.get("currency_code"), value.get("value")
    if not isinstance(currency, str) or not isinstance(text, str):
        return None
    try:
        minor = Decimal(text).scaleb(currency_exponent(currency))
        if not minor.is_finite() or minor != minor.to_integral_value():
            return None
        return Money(int(minor), currency)
    except (InvalidOperation, InvalidValue):
        return None


def _dict(value: Any) -> JSON:
    return value if isinstance(value, dict) else {}


def _list_of_dicts(value: Any) -> list[JSON]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _link(resource: JSON, *rels: str) -> str | None:
    links = _list_of_dicts(resource.get("links"))
    for rel in rels:
        for link in links:
            if link.get("rel") == rel and _str(link.get("href")):
                return str(link["href"])
    return None


def _is_absolute_url(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc) and not any(
        c.isspace() for c in value)


def _request_id(key: str) -> str:
    """The PayPal-Request-Id for one of our idempotency keys (1..108 printable characters);
    a longer key is replaced by its SHA-256, which is just as stable."""
    if not key:
        raise ValueError("an idempotency key is required")
    if len(key) <= _MAX_REQUEST_ID and key.isprintable() and key.isascii():
        return key
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _text(value: str, limit: int) -> str:
    return value.strip()[:limit]


# --------------------------------------------------------------------------------------------
# the gateway
# --------------------------------------------------------------------------------------------
class PayPalPaymentGateway:
    """``PaymentGateway`` on PayPal Orders v2 (intent CAPTURE) and Payments v2 refunds.

    ``start`` creates an order the buyer approves on PayPal; ``complete`` captures it;
    ``fetch`` reads the order. The reference is PayPal's order id; ``provider_payment_id`` is
    the capture id once PayPal captured.
    """

    provider = "paypal"

    def __init__(self, api: PayPalClient, brand_name: str = "eduport") -> None:
        self._api = api
        self._brand_name = _text(brand_name, 127) or "eduport"

    def supports(self, currency: str) -> bool:
        return currency in PAYPAL_CURRENCY_EXPONENTS

    # ------------------------------------------------------------------ start
    def start(self, request: PaymentRequest) -> PaymentSession:
        if request.flow != "paypal_order":
            raise GatewayDeclined(f"PayPal opens paypal_order payments, not {request.flow}")
        for url in (request.success_url, request.cancel_url):
            if not _is_absolute_url(url):
                raise GatewayDeclined("PayPal needs absolute http(s) return and cancel URLs")
        body = self._order_body(request)
        headers = {"PayPal-Request-Id": _request_id(request.idempotency_key),
                   "Prefer": "return=representation"}
        order = _send("create an order",
                      lambda: self._api.post("v2/checkout/orders", body, headers))
        order_id = _str(order.get("id"))
        redirect = _link(order, "payer-action", "approve")
        if order_id is None or redirect is None:
            raise GatewayUnavailable("PayPal answered the order creation without an id or "
                                     "an approval link")
        return PaymentSession(provider=self.provider, reference=order_id, client_secret=None,
                              redirect_url=redirect, expires_at=request.expires_at or None)

    def _order_body(self, request: PaymentRequest) -> JSON:
        currency = request.amount.currency
        value = _paypal_value(request.amount)
        amount: JSON = {"currency_code": currency, "value": value}
        unit: JSON = {
            "reference_id": request.order_id,
            "custom_id": request.payment_id,
            "invoice_id": request.payment_id,  # unique per attempt, as PayPal requires
            "amount": amount,
        }
        description = _text(request.description, 127)
        if description:
            unit["description"] = description
        items = self._items(request)
        if items:
            amount["breakdown"] = {"item_total": {"currency_code": currency, "value": value}}
            unit["items"] = items
        return {
            "intent": "CAPTURE",
            "purchase_units": [unit],
            "payment_source": {"paypal": {"experience_context": {
                "return_url": request.success_url,
                "cancel_url": request.cancel_url,
                "brand_name": self._brand_name,
                "shipping_preference": "NO_SHIPPING",
                "user_action": "PAY_NOW",
            }}},
        }

    @staticmethod
    def _items(request: PaymentRequest) -> list[JSON]:
        """One item per line, or none when the lines do not add up to the amount exactly
        (PayPal rejects a breakdown that does not match with ITEM_TOTAL_MISMATCH)."""
        lines = request.lines
        currency = request.amount.currency
        if not lines or any(line.price.currency != currency for line in lines):
            return []
        if sum(line.price.amount_minor for line in lines) != request.amount.amount_minor:
            return []
        items = []
        for line in lines:
            if line.price.amount_minor < 0:
                return []
            if line.price.amount_minor == 0:
                unit_value = "0"
            else:
                try:
                    unit_value = _paypal_value(line.price)
                except GatewayDeclined:
                    return []  # e.g. a HUF line with fillér while the total is whole
            items.append({
                "name": _text(line.title, 127) or _text(line.item_id, 127) or "Course",
                "sku": _text(line.item_id, 127),
                "quantity": "1",
                "unit_amount": {"currency_code": currency, "value": unit_value},
                "category": "DIGITAL_GOODS",
            })
        return items

    # ------------------------------------------------------------------ read
    def fetch(self, reference: str) -> PaymentState:
        return _state(reference, self._order(reference))

    def _order(self, order_id: str) -> JSON:
        return _send("read an order", lambda: self._api.get(f"v2/checkout/orders/{order_id}"))

    # ------------------------------------------------------------------ capture
    def complete(self, reference: str, idempotency_key: str) -> PaymentState:
        headers = {"PayPal-Request-Id": _request_id(idempotency_key),
                   "Prefer": "return=representation"}
        try:
            order = _send("capture an order", lambda: self._api.post(
                f"v2/checkout/orders/{reference}/capture", {}, headers))
        except PayPalRefusal as refusal:
            if refusal.status != 422:
                raise
            declined = next((i for i in refusal.issues if i in _DECLINE_ISSUES), None)
            if declined is not None:
                return PaymentState(reference=reference, status="failed", received=None,
                                    failure_reason=declined)
            if any(i in _REFETCH_ISSUES for i in refusal.issues):
                # Not approved yet (pending), or captured by an earlier call: the order says.
                return self.fetch(reference)
            raise
        if "purchase_units" not in order:  # a minimal representation: read the full order
            return self.fetch(reference)
        return _state(reference, order)

    def cancel(self, reference: str, idempotency_key: str) -> None:
        """Does nothing, on purpose. Orders v2 has no cancel or void for an order with intent
        CAPTURE (``void`` exists only for authorizations): an order that is never captured
        simply expires at PayPal (3 h for the buyer to approve, then it can no longer be
        captured) and no money moves. Our side stops offering the attempt, which is all that
        closing it means here; this never raises, so closing is always safe to call."""
        return None

    # ------------------------------------------------------------------ refunds
    def refund(self, reference: str, payment_id: str | None, amount: Money,
               idempotency_key: str) -> RefundReceipt:
        request_id = _request_id(idempotency_key)
        capture = _paid_capture(self._order(reference))
        capture_id = _str(capture.get("id")) if capture else None
        if capture is None or capture_id is None:
            raise GatewayDeclined("PayPal has captured nothing on this order to refund")
        captured = _money_from(capture.get("amount"))
        if captured is not None and captured.currency != amount.currency:
            raise GatewayDeclined(f"the capture is in {captured.currency}, "
                                  f"not {amount.currency}")
        body: JSON = {
            "amount": {"currency_code": amount.currency, "value": _paypal_value(amount)},
            "note_to_payer": _text(f"Refund from {self._brand_name}", 255),
        }
        if payment_id:
            body["custom_id"] = _text(payment_id, 127)  # comes back in the refund webhook
        headers = {"PayPal-Request-Id": request_id, "Prefer": "return=representation"}
        refund = _send("refund a capture", lambda: self._api.post(
            f"v2/payments/captures/{capture_id}/refund", body, headers))
        refund_id = _str(refund.get("id"))
        if refund_id is None:
            raise GatewayUnavailable("PayPal answered the refund without an id")
        status = {"COMPLETED": "succeeded", "PENDING": "pending"}.get(
            str(refund.get("status")), "failed")
        return RefundReceipt(reference=refund_id, status=status,
                             amount=_money_from(refund.get("amount")) or amount)


def _captures(order: JSON) -> list[JSON]:
    units = _list_of_dicts(order.get("purchase_units"))
    if not units:
        return []
    return _list_of_dicts(_dict(units[0].get("payments")).get("captures"))


def _paid_capture(order: JSON) -> JSON | None:
    captures = _captures(order)
    return next((c for c in captures if c.get("status") in _PAID_CAPTURE_STATUSES), None)


def _state(reference: str, order: JSON) -> PaymentState:
    """Our view of an order: the order status until it is COMPLETED, then its capture's."""
    status = order.get("status")
    if status == "VOIDED":
        return PaymentState(reference=reference, status="canceled", received=None)
    if status != "COMPLETED":  # CREATED, SAVED, APPROVED, PAYER_ACTION_REQUIRED, unknown
        return PaymentState(reference=reference, status="pending", received=None)
    captures = _captures(order)
    capture = _paid_capture(order) or (captures[0] if captures else None)
    if capture is None:
        return PaymentState(reference=reference, status="pending", received=None)
    capture_id = _str(capture.get("id"))
    capture_status = str(capture.get("status"))
    if capture_status in _PAID_CAPTURE_STATUSES:
        received = _money_from(capture.get("amount"))
        return PaymentState(reference=reference, status="succeeded", received=received,
                            provider_payment_id=capture_id,
                            refunded_minor=_refunded_minor(order, capture, received))
    if capture_status in _FAILED_CAPTURE_STATUSES:
        reason = _str(_dict(capture.get("status_details")).get("reason")) or capture_status
        return PaymentState(reference=reference, status="failed", received=None,
                            provider_payment_id=capture_id, failure_reason=reason)
    # PENDING (e.g. PENDING_REVIEW, ECHECK): the money has not arrived yet.
    return PaymentState(reference=reference, status="pending", received=None,
                        provider_payment_id=capture_id)


def _refunded_minor(order: JSON, capture: JSON, received: Money | None) -> int:
    """The sum of the capture's COMPLETED refunds, from the order's ``payments.refunds``
    (Orders v2 lists them there). Without that list a REFUNDED capture counts as fully
    refunded; a PARTIALLY_REFUNDED one cannot be totalled (Payments v2 has no way to list a
    capture's refunds) and counts 0, which the domain treats as "no news"."""
    units = _list_of_dicts(order.get("purchase_units"))
    payments = _dict(units[0].get("payments")) if units else {}
    capture_id = capture.get("id")
    if "refunds" in payments:
        total = 0
        for refund in _list_of_dicts(payments.get("refunds")):
            up = _link(refund, "up")
            if up is not None and capture_id and not up.rstrip("/").endswith(f"/{capture_id}"):
                continue
            money = _money_from(refund.get("amount"))
            if refund.get("status") == "COMPLETED" and money is not None:
                total += money.amount_minor
        return total
    if capture.get("status") == "REFUNDED" and received is not None:
        return received.amount_minor
    return 0


# --------------------------------------------------------------------------------------------
# webhooks
# --------------------------------------------------------------------------------------------
_REQUIRED_HEADERS = ("paypal-transmission-id", "paypal-transmission-time",
                     "paypal-transmission-sig", "paypal-cert-url", "paypal-auth-algo")
# Patterns and lengths of notifications_webhooks_v1.json verify_webhook_signature, so that a
# malformed delivery is refused here instead of being sent to PayPal.
_WEBHOOK_ID = re.compile(r"^[a-zA-Z0-9]+$")
_TRANSMISSION = re.compile(r"^(?!\d+$)\w+\S+")
_AUTH_ALGO = re.compile(r"^[a-zA-Z0-9]+$")
_DATE_TIME = re.compile(
    r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})")
_VERSION = re.compile(r"^([0-9]+.[0-9]+)$")
_LINK_METHODS = frozenset({"GET", "POST", "PUT", "DELETE", "HEAD", "CONNECT", "OPTIONS", "PATCH"})


def _parse_time(value: str) -> datetime | None:
    if len(value) > 100 or not _DATE_TIME.fullmatch(value):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo else None


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _event_problem(event: JSON) -> str | None:
    """Why ``event`` would not pass the spec's ``event`` schema (or lacks what we store)."""
    if not _str(event.get("id")) or not _str(event.get("event_type")):
        return "the event has no id or event_type"
    for key in ("resource_type", "summary"):
        if key in event and not isinstance(event[key], str):
            return f"{key} is not a string"
    create_time = event.get("create_time")
    if create_time is not None and (not isinstance(create_time, str)
                                    or _parse_time(create_time) is None):
        return "create_time is not a date-time"
    for key in ("event_version", "resource_version"):
        if key in event and not (isinstance(event[key], str) and _VERSION.match(event[key])):
            return f"{key} is malformed"
    if "resource" in event and not isinstance(event["resource"], dict):
        return "resource is not an object"
    links = event.get("links")
    if links is not None:
        if not isinstance(links, list):
            return "links is not a list"
        for link in links:
            if not (isinstance(link, dict) and isinstance(link.get("href"), str)
                    and isinstance(link.get("rel"), str)
                    and link.get("method", "GET") in _LINK_METHODS):
                return "a link is malformed"
    return None


class PayPalWebhookAuthenticator:
    """Verifies PayPal deliveries by asking PayPal (``verify-webhook-signature``).

    PayPal signs ``transmission id | time | webhook id | crc32(body)`` with a certificate it
    hosts; rather than downloading and chaining certificates we post the headers and the parsed
    event back to PayPal, which answers SUCCESS or FAILURE. PayPal enforces no age limit, so
    the transmission time is checked here against ``tolerance`` seconds both ways.

    Errors: ``InvalidSignature`` for missing or malformed headers, a body that is not a JSON
    event, a stale or future transmission, or a FAILURE; ``GatewayUnavailable`` when PayPal
    cannot give an answer (unreachable, 5xx, 429, or it refuses our own credentials), so that
    the endpoint answers 503 and PayPal delivers again later.
    """

    provider = "paypal"

    def __init__(self, api: PayPalClient, webhook_id: str, clock: Clock,
                 tolerance: float = 600) -> None:
        if not _WEBHOOK_ID.match(webhook_id) or len(webhook_id) > 50:
            raise ValueError("a PayPal webhook id is 1 to 50 letters and digits")
        if tolerance <= 0:
            raise ValueError("tolerance must be positive")
        self._api, self._webhook_id, self._clock = api, webhook_id, clock
        self._tolerance = timedelta(seconds=tolerance)

    def authenticate(self, headers: Mapping[str, str], body: bytes) -> WebhookEvent:
        lowered = {str(k).lower(): str(v).strip() for k, v in headers.items()}
        missing = [name for name in _REQUIRED_HEADERS if not lowered.get(name)]
        if missing:
            raise InvalidSignature(f"PayPal delivery without {', '.join(missing)}")
        transmission_id = lowered["paypal-transmission-id"]
        transmission_time = lowered["paypal-transmission-time"]
        signature = lowered["paypal-transmission-sig"]
        cert_url = lowered["paypal-cert-url"]
        auth_algo = lowered["paypal-auth-algo"]
        if not (len(transmission_id) <= 50 and _TRANSMISSION.match(transmission_id)
                and len(signature) <= 500 and _TRANSMISSION.match(signature)
                and len(auth_algo) <= 100 and _AUTH_ALGO.match(auth_algo)
                and len(cert_url) <= 500 and urlsplit(cert_url).scheme == "https"
                and _is_absolute_url(cert_url)):
            raise InvalidSignature("PayPal delivery with malformed signature headers")
        sent_at = _parse_time(transmission_time)
        if sent_at is None:
            raise InvalidSignature("PayPal delivery with an unreadable transmission time")
        if abs(self._clock.now() - sent_at) > self._tolerance:
            raise InvalidSignature("PayPal delivery outside the accepted time window")
        try:
            event = json.loads(body.decode("utf-8"), parse_constant=_reject_constant)
        except (UnicodeDecodeError, ValueError):
            raise InvalidSignature("PayPal delivery whose body is not JSON") from None
        if not isinstance(event, dict):
            raise InvalidSignature("PayPal delivery whose body is not an event object")
        problem = _event_problem(event)
        if problem is not None:
            raise InvalidSignature(f"PayPal delivery with a malformed event: {problem}")
        verification = {
            "auth_algo": auth_algo,
            "cert_url": cert_url,
            "transmission_id": transmission_id,
            "transmission_sig": signature,
            "transmission_time": transmission_time,
            "webhook_id": self._webhook_id,
            "webhook_event": event,
        }
        try:
            answer = _send("verify a webhook signature", lambda: self._api.post(
                "v1/notifications/verify-webhook-signature", verification))
        except PayPalRefusal as refusal:
            if refusal.status == 400:  # PayPal found the delivery itself malformed
                raise InvalidSignature(f"PayPal rejected the delivery: {refusal.name}") from None
            # 404/422: our webhook id or set-up (401/403 arrive as GatewayMisconfigured, itself
            # unavailable); either way PayPal delivers again later.
            raise GatewayUnavailable(f"PayPal could not verify the delivery: {refusal}") from None
        if answer.get("verification_status") != "SUCCESS":
            raise InvalidSignature("PayPal did not verify the delivery's signature")
        return WebhookEvent(provider=self.provider, event_id=str(event["id"]),
                            event_type=str(event["event_type"]), payload=event)


_CAPTURE_PATH = re.compile(r"/v2/payments/captures/([^/?#]+)/?$")
_ORDER_PATH = re.compile(r"/v2/checkout/orders/([^/?#]+)/?$")


class PayPalWebhookInterpreter:
    """Maps PayPal events to notices. The payment is named by our id (``custom_id``, which we
    set on the order's purchase unit and on refunds) and by the PayPal order id.

    - ``PAYMENT.CAPTURE.COMPLETED|DENIED|PENDING`` (resource: a capture): "payment", reference
      = ``supplementary_data.related_ids.order_id`` (or the order in the capture's "up" link).
    - ``PAYMENT.CAPTURE.REFUNDED`` (resource: a refund): "refund", payment_id = the refund's
      ``custom_id`` (set by ``PayPalPaymentGateway.refund``; absent for refunds made in
      PayPal's dashboard). reference = the order id when the refund carries
      ``supplementary_data.related_ids.order_id``; otherwise the **capture id** from the
      refund's "up" link, which we store as the payment's ``provider_payment_id``.
    - ``PAYMENT.CAPTURE.REVERSED``: "dispute_closed" with ``dispute_won=False``: PayPal took the
      funds back for the buyer. Same fields as for a refund.
    - ``CUSTOMER.DISPUTE.CREATED|UPDATED`` (resource: a dispute): "dispute_opened" (access is
      paused while it runs; an update of an open dispute changes nothing), or, for an update
      whose ``status`` is ``RESOLVED``, the same as ``RESOLVED``.
    - ``CUSTOMER.DISPUTE.RESOLVED``: "dispute_closed"; won when
      ``dispute_outcome.outcome_code`` says the seller keeps the money
      (``RESOLVED_SELLER_FAVOUR``, ``CANCELED_BY_BUYER``, ``DENIED``), lost when the buyer got
      it back (``RESOLVED_BUYER_FAVOUR``, ``ACCEPTED``, ``RESOLVED_WITH_PAYOUT``) or the code is
      missing or unknown (never restore access on a guess). The payment is named by the
      disputed transaction's ``custom`` (our id) and ``seller_transaction_id`` (the capture).
    - anything else: "ignore". Missing or odd fields give None, never an exception.
    """

    provider = "paypal"

    _PAYMENT_EVENTS = frozenset({"PAYMENT.CAPTURE.COMPLETED", "PAYMENT.CAPTURE.DENIED",
                                 "PAYMENT.CAPTURE.PENDING"})
    _DISPUTE_EVENTS = frozenset({"CUSTOMER.DISPUTE.CREATED", "CUSTOMER.DISPUTE.UPDATED",
                                 "CUSTOMER.DISPUTE.RESOLVED"})
    _SELLER_KEEPS = frozenset({"RESOLVED_SELLER_FAVOUR", "CANCELED_BY_BUYER", "DENIED"})

    def interpret(self, event: WebhookEvent) -> PaymentNotice:
        payload = event.payload if isinstance(event.payload, dict) else {}
        resource = _dict(payload.get("resource"))
        payment_id = _str(resource.get("custom_id"))
        if event.event_type in self._PAYMENT_EVENTS:
            return PaymentNotice("payment", payment_id=payment_id,
                                 reference=_order_id(resource))
        if event.event_type == "PAYMENT.CAPTURE.REFUNDED":
            return PaymentNotice("refund", payment_id=payment_id,
                                 reference=_order_id(resource) or _capture_id(resource))
        if event.event_type == "PAYMENT.CAPTURE.REVERSED":
            return PaymentNotice("dispute_closed", payment_id=payment_id,
                                 reference=_order_id(resource) or _capture_id(resource),
                                 dispute_won=False)
        if event.event_type in self._DISPUTE_EVENTS:
            return self._dispute(event.event_type, resource)
        return PaymentNotice("ignore")

    def _dispute(self, event_type: str, dispute: JSON) -> PaymentNotice:
        transactions = dispute.get("disputed_transactions")
        first = _dict(transactions[0]) if isinstance(transactions, list) and transactions else {}
        payment_id, capture = _str(first.get("custom")), _str(first.get("seller_transaction_id"))
        if payment_id is None and capture is None:
            return PaymentNotice("ignore")  # names no transaction: nothing of ours to act on
        resolved = event_type == "CUSTOMER.DISPUTE.RESOLVED" or _str(
            dispute.get("status")) == "RESOLVED"
        if not resolved:
            return PaymentNotice("dispute_opened", payment_id=payment_id, reference=capture)
        outcome = _str(_dict(dispute.get("dispute_outcome")).get("outcome_code"))
        return PaymentNotice("dispute_closed", payment_id=payment_id, reference=capture,
                             dispute_won=outcome in self._SELLER_KEEPS)


def _order_id(resource: JSON) -> str | None:
    related = _dict(_dict(resource.get("supplementary_data")).get("related_ids"))
    found = _str(related.get("order_id"))
    if found:
        return found
    up = _link(resource, "up")
    match = _ORDER_PATH.search(urlsplit(up).path) if up else None
    return match.group(1) if match else None


def _capture_id(resource: JSON) -> str | None:
    up = _link(resource, "up")
    match = _CAPTURE_PATH.search(urlsplit(up).path) if up else None
    if match:
        return match.group(1)
    related = _dict(_dict(resource.get("supplementary_data")).get("related_ids"))
    return _str(related.get("capture_id"))
