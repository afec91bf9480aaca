"""A stateful local fake of PayPal's REST API (OAuth2, Orders v2, Payments v2, webhook verify).

Drive it with the real ``paypalrestsdk`` generic client::

    with FakePayPal() as fake:
        api = paypalrestsdk.Api(
            mode="sandbox", client_id=fake.client_id, client_secret=fake.client_secret,
            endpoint=fake.url,
        )
        order = api.post("v2/checkout/orders", {...}, {"PayPal-Request-Id": "..."})
        fake.approve(order["id"])
        api.post(f"v2/checkout/orders/{order['id']}/capture", {})

Every JSON request body is validated against PayPal's own OpenAPI documents (read at run time
from ``shared/specs/paypal``); bodies that fail answer PayPal's ``INVALID_REQUEST`` (400) or
``UNPROCESSABLE_ENTITY`` (422) error and are also appended to ``fake.invalid_requests`` so a test
can assert that an adapter never sent one.

Idempotency: a POST to create / capture / refund that repeats a ``PayPal-Request-Id`` already
answered with a 2xx replays that first body with HTTP **200** (the Orders spec documents 200 as
"a successful response to an idempotent request"), without re-executing or re-validating.
"""

from __future__ import annotations

import base64
import copy
import functools
import hashlib
import hmac
import json
import re
import secrets
import string
import time
import uuid
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Literal
from urllib.parse import parse_qsl, urlsplit

from jsonschema import Draft4Validator, FormatChecker
from jsonschema.exceptions import ValidationError, best_match
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4
from werkzeug.wrappers import Request, Response

from tests.vendor_servers.base import FakeVendorServer, InjectedFailure, RecordedRequest

__all__ = [
    "PAYPAL_CURRENCY_EXPONENTS",
    "FakePayPal",
    "PayPalSpecs",
    "default_specs_dir",
]

JSON = dict[str, Any]
SpecName = Literal["orders", "payments", "webhooks"]

_SPEC_FILES: dict[SpecName, str] = {
    "orders": "checkout_orders_v2.json",
    "payments": "payments_payment_v2.json",
    "webhooks": "notifications_webhooks_v1.json",
}
_DOC_LINK_API: dict[SpecName, str] = {
    "orders": "orders/v2",
    "payments": "payments/v2",
    "webhooks": "webhooks/v1",
}

# PayPal-supported currencies and their decimal exponents
# (developer.paypal.com/api/rest/reference/currency-codes: HUF, JPY, TWD take no decimals).
PAYPAL_CURRENCY_EXPONENTS: dict[str, int] = {
    "AUD": 2,
    "BRL": 2,
    "CAD": 2,
    "CNY": 2,
    "CZK": 2,
    "DKK": 2,
    "EUR": 2,
    "HKD": 2,
    "HUF": 0,
    "ILS": 2,
    "JPY": 0,
    "MYR": 2,
    "MXN": 2,
    "TWD": 0,
    "NZD": 2,
    "NOK": 2,
    "PHP": 2,
    "PLN": 2,
    "GBP": 2,
    "SGD": 2,
    "SEK": 2,
    "CHF": 2,
    "THB": 2,
    "USD": 2,
}

# Issues PayPal returns that its published specs do not list (text from live responses).
_EXTRA_ISSUE_DESCRIPTIONS = {
    "CURRENCY_NOT_SUPPORTED": "Currency code is not currently supported. Please refer "
    "https://developer.paypal.com/api/rest/reference/currency-codes/ for list of supported "
    "currency codes.",
}
_FALLBACK_ERRORS: dict[int, tuple[str, str]] = {
    400: (
        "INVALID_REQUEST",
        "Request is not well-formed, syntactically incorrect, or violates schema.",
    ),
    401: (
        "AUTHENTICATION_FAILURE",
        "Authentication failed due to missing authorization header, or invalid authentication "
        "credentials.",
    ),
    403: ("NOT_AUTHORIZED", "Authorization failed due to insufficient permissions."),
    404: ("RESOURCE_NOT_FOUND", "The specified resource does not exist."),
    409: ("RESOURCE_CONFLICT", "The server has detected a conflict while processing this request."),
    415: (
        "UNSUPPORTED_MEDIA_TYPE",
        "The server does not support the request payload's media type.",
    ),
    422: (
        "UNPROCESSABLE_ENTITY",
        "The requested action could not be performed, semantically incorrect, or failed "
        "business validation.",
    ),
    429: ("RATE_LIMIT_REACHED", "Too many requests. Blocked due to rate limiting."),
    500: ("INTERNAL_SERVER_ERROR", "An internal server error occurred."),
    503: ("SERVICE_UNAVAILABLE", "Service Unavailable."),
}

DEFAULT_CLIENT_ID = "fake-client-id"
DEFAULT_CLIENT_SECRET = "fake-client-secret"

_PAYPAL_ID_CHARS = string.ascii_uppercase + string.digits
_ACCOUNT_ID_CHARS = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
_SIGNATURE_START = re.compile(r"^(?!\d+$)\w+\S+")  # verify_webhook_signature.transmission_sig


def _paypal_id(length: int = 17) -> str:
    return "".join(secrets.choice(_PAYPAL_ID_CHARS) for _ in range(length))


def _account_id() -> str:
    """A payer / merchant id matching the specs' ``^[2-9A-HJ-NP-Z]{13}$``."""
    return "".join(secrets.choice(_ACCOUNT_ID_CHARS) for _ in range(13))


def _debug_id() -> str:
    return secrets.token_hex(7)[:13]


def _now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# --------------------------------------------------------------------------------------
# OpenAPI documents
# --------------------------------------------------------------------------------------
def default_specs_dir(start: Path | None = None) -> Path:
    """Find ``shared/specs/paypal`` by walking up from ``start`` (default: this file).

    The repository is a checkout with ``shared/`` as its sibling (``<repo>/../shared``), both
    on developer machines and in CI, so some ancestor ``P`` has ``P/shared/specs/paypal``.
    """
    origin = (start or Path(__file__)).resolve()
    for parent in [origin, *origin.parents]:
        candidate = parent / "shared" / "specs" / "paypal"
        if (candidate / _SPEC_FILES["orders"]).is_file():
            return candidate
    raise FileNotFoundError(
        f"no shared/specs/paypal directory above {origin}; pass specs_dir= to FakePayPal"
    )


def _format_checker() -> FormatChecker:
    checker = FormatChecker(formats=())

    def _is_uri(value: object) -> bool:
        if not isinstance(value, str):
            return True
        parts = urlsplit(value)
        if not parts.scheme or any(c.isspace() for c in value):
            return False
        return bool(parts.netloc) or parts.scheme not in ("http", "https")

    def _is_date_time(value: object) -> bool:
        if not isinstance(value, str):
            return True
        if not re.fullmatch(
            r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})", value
        ):
            return False
        datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
        return True

    checker.checks("uri", raises=ValueError)(_is_uri)
    checker.checks("date-time", raises=ValueError)(_is_date_time)
    return checker


@dataclass(frozen=True)
class IssueDetail:
    """One entry of a PayPal error body's ``details`` array."""

    issue: str
    field: str
    description: str
    value: str | None = None
    location: str = "body"

    def as_json(self) -> JSON:
        detail: JSON = {}
        if self.field:
            detail["field"] = self.field
            if self.value is not None:
                detail["value"] = self.value
            detail["location"] = self.location
        detail.update(issue=self.issue, description=self.description)
        return detail


_ISSUE_BY_VALIDATOR = {
    "required": "MISSING_REQUIRED_PARAMETER",
    "type": "INVALID_PARAMETER_SYNTAX",
    "pattern": "INVALID_PARAMETER_SYNTAX",
    "format": "INVALID_PARAMETER_SYNTAX",
    "minLength": "INVALID_STRING_LENGTH",
    "maxLength": "INVALID_STRING_LENGTH",
    "enum": "INVALID_PARAMETER_VALUE",
    "minItems": "INVALID_ARRAY_MIN_ITEMS",
    "maxItems": "INVALID_ARRAY_MAX_ITEMS",
    "minimum": "INVALID_PARAMETER_VALUE",
    "maximum": "INVALID_PARAMETER_VALUE",
}


def _pointer(path: Iterable[Any]) -> str:
    return "/" + "/".join(str(p).replace("~", "~0").replace("/", "~1") for p in path)


def _scalar_text(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, bool | int | float) or value is None:
        return json.dumps(value)
    return None


class PayPalSpecs:
    """PayPal's OpenAPI documents, loaded once, with JSON-Schema validators for their schemas.

    ``$ref``s are resolved inside each document (``#/components/schemas/...``). Schemas are
    checked as JSON Schema draft 4 (the OpenAPI 3.0 schema dialect's base), with ``uri`` and
    ``date-time`` formats enforced; PayPal's private ``ppaas_*`` formats are not checked.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.documents: dict[SpecName, JSON] = {}
        registry: Registry[Any] = Registry()
        for name, filename in _SPEC_FILES.items():
            with (directory / filename).open(encoding="utf-8") as handle:
                document = json.load(handle)
            self.documents[name] = document
            resource = Resource.from_contents(document, default_specification=DRAFT4)
            registry = registry.with_resource(self._uri(name), resource)
        self._registry = registry
        self._format_checker = _format_checker()
        self._validators: dict[tuple[SpecName, str], Draft4Validator] = {}
        self._issue_descriptions = {
            name: self._collect_issues(doc) for name, doc in self.documents.items()
        }

    @staticmethod
    def _uri(name: SpecName) -> str:
        return f"urn:paypal-spec:{name}"

    @staticmethod
    def _collect_issues(document: JSON) -> dict[str, str]:
        found: dict[str, str] = {}

        def walk(node: Any) -> None:
            if isinstance(node, dict):
                props = node.get("properties")
                if isinstance(props, dict) and "issue" in props:
                    issue = props["issue"].get("enum", [None])[0]
                    description = props.get("description", {}).get("enum", [None])[0]
                    if issue and description:
                        found.setdefault(issue, description)
                for value in node.values():
                    walk(value)
            elif isinstance(node, list):
                for value in node:
                    walk(value)

        walk(document["components"]["schemas"])
        return found

    def error_name_message(self, spec: SpecName, status: int) -> tuple[str, str]:
        schema = self.documents[spec]["components"]["schemas"].get(f"error_{status}")
        if isinstance(schema, dict):
            props = schema.get("properties", {})
            names, messages = (
                props.get("name", {}).get("enum"),
                props.get("message", {}).get("enum"),
            )
            if names and messages:
                return str(names[0]), str(messages[0])
        return _FALLBACK_ERRORS.get(
            status, ("INTERNAL_SERVER_ERROR", "An internal server error occurred.")
        )

    def issue_description(self, spec: SpecName, issue: str) -> str:
        return (
            self._issue_descriptions[spec].get(issue)
            or _EXTRA_ISSUE_DESCRIPTIONS.get(issue)
            or next((d[issue] for d in self._issue_descriptions.values() if issue in d), issue)
        )

    def validator(self, spec: SpecName, schema_name: str) -> Draft4Validator:
        key = (spec, schema_name)
        if key not in self._validators:
            if schema_name not in self.documents[spec]["components"]["schemas"]:
                raise KeyError(f"{schema_name} is not a schema of {_SPEC_FILES[spec]}")
            ref = {"$ref": f"{self._uri(spec)}#/components/schemas/{schema_name}"}
            self._validators[key] = Draft4Validator(
                ref, registry=self._registry, format_checker=self._format_checker
            )
        return self._validators[key]

    def validate(self, spec: SpecName, schema_name: str, instance: Any) -> list[IssueDetail]:
        """Validate ``instance``; return PayPal-style issue details (empty when valid)."""
        details: list[IssueDetail] = []
        errors = sorted(
            self.validator(spec, schema_name).iter_errors(instance),
            key=lambda e: [str(p) for p in e.absolute_path],
        )
        seen: set[tuple[str, str]] = set()
        for error in errors:
            for detail in self._details_for(spec, error):
                if (detail.issue, detail.field) not in seen:  # draft 4 reports each missing
                    seen.add((detail.issue, detail.field))  # required key as its own error
                    details.append(detail)
        return details

    def _details_for(self, spec: SpecName, error: ValidationError) -> list[IssueDetail]:
        if error.context:
            best = best_match(error.context)
            if best is not None:
                return self._details_for(spec, best)
        path = list(error.absolute_path)
        if error.validator == "required":
            missing = [
                key
                for key in error.validator_value
                if isinstance(error.instance, dict) and key not in error.instance
            ]
            issue = "MISSING_REQUIRED_PARAMETER"
            return [
                IssueDetail(issue, _pointer([*path, key]), self.issue_description(spec, issue))
                for key in missing
            ]
        issue = _ISSUE_BY_VALIDATOR.get(str(error.validator), "INVALID_PARAMETER_VALUE")
        return [
            IssueDetail(
                issue,
                _pointer(path),
                self.issue_description(spec, issue),
                value=_scalar_text(error.instance),
            )
        ]


@functools.cache
def _load_specs(directory: str) -> PayPalSpecs:
    return PayPalSpecs(Path(directory))


# --------------------------------------------------------------------------------------
# errors
# --------------------------------------------------------------------------------------
class PayPalAPIError(Exception):
    """Raised inside handlers; rendered as PayPal's error body.

    ``invalid_body`` marks rejections caused by the request body itself (schema, money
    format, unsupported currency, malformed JSON): those requests are also appended to
    ``FakePayPal.invalid_requests``.
    """

    def __init__(
        self,
        status: int,
        details: list[IssueDetail] | None = None,
        *,
        spec: SpecName = "orders",
        invalid_body: bool = False,
        body: JSON | None = None,
        extra_links: list[JSON] | None = None,
    ) -> None:
        super().__init__(f"HTTP {status}: {[d.issue for d in details or []]}")
        self.status = status
        self.details = details or []
        self.spec = spec
        self.invalid_body = invalid_body
        self.raw_body = body
        self.extra_links = extra_links or []


@dataclass
class _Delivery:
    event_id: str
    transmission_id: str
    transmission_time: str
    transmission_sig: str
    cert_url: str
    auth_algo: str
    event: JSON


@dataclass
class _Context:
    request: Request
    body: Any
    prefer_representation: bool


_Handler = Callable[["FakePayPal", "re.Match[str]", _Context], tuple[int, JSON]]


@dataclass(frozen=True)
class _Route:
    method: str
    pattern: re.Pattern[str]
    handler: _Handler
    idempotent: bool = False


def _money(value: Decimal, currency: str) -> JSON:
    exponent = PAYPAL_CURRENCY_EXPONENTS.get(currency, 2)
    quantum = Decimal(1).scaleb(-exponent)
    return {"currency_code": currency, "value": str(value.quantize(quantum, ROUND_HALF_UP))}


# --------------------------------------------------------------------------------------
# the fake
# --------------------------------------------------------------------------------------
class FakePayPal(FakeVendorServer):
    """Stateful PayPal fake. See the module docstring; test controls are plain methods."""

    def __init__(
        self,
        *,
        client_id: str = DEFAULT_CLIENT_ID,
        client_secret: str = DEFAULT_CLIENT_SECRET,
        webhook_id: str = "8PT597110X687430LKGECATA",
        specs_dir: Path | str | None = None,
        token_ttl: int = 32400,
    ) -> None:
        super().__init__()
        self.client_id = client_id
        self.client_secret = client_secret
        self.webhook_id = webhook_id
        self.token_ttl = token_ttl
        directory = Path(specs_dir) if specs_dir is not None else default_specs_dir()
        self.specs = _load_specs(str(directory.resolve()))
        self.merchant_id = _account_id()
        self.merchant_email = "merchant@example.com"
        self.invalid_requests: list[RecordedRequest] = []
        self.orders: dict[str, JSON] = {}
        self.captures: dict[str, JSON] = {}
        self.refunds: dict[str, JSON] = {}
        self._tokens: dict[str, float] = {}
        self._idempotent: dict[tuple[str, str], JSON] = {}
        self._captured_invoice_ids: set[str] = set()
        self._next_capture_outcomes: list[str] = []
        self._next_refund_outcomes: list[str] = []
        self._deliveries: dict[str, _Delivery] = {}
        self._signing_key = secrets.token_bytes(32)

    # ---------------------------------------------------------------- snapshots
    def order(self, order_id: str) -> JSON:
        """The order as ``GET /v2/checkout/orders/{id}`` returns it."""
        with self._lock:
            return self._render_order(self.orders[order_id])

    def capture(self, capture_id: str) -> JSON:
        """The capture as ``GET /v2/payments/captures/{id}`` (and webhooks) carry it."""
        with self._lock:
            return self._public(self.captures[capture_id])

    def refund(self, refund_id: str) -> JSON:
        with self._lock:
            return copy.deepcopy(self.refunds[refund_id])

    # ---------------------------------------------------------------- test controls
    def approve(self, order_id: str) -> JSON:
        """The buyer approves the order on PayPal (status ``APPROVED``, payer filled in)."""
        with self._lock:
            order = self.orders[order_id]
            if order["status"] not in ("CREATED", "PAYER_ACTION_REQUIRED", "APPROVED"):
                raise ValueError(f"order {order_id} is {order['status']}")
            payer_id = _account_id()
            name = {"given_name": "John", "surname": "Doe"}
            order["payer"] = {
                "name": name,
                "email_address": "buyer@example.com",
                "payer_id": payer_id,
                "address": {"country_code": "US"},
            }
            order["payment_source"] = {
                "paypal": {
                    "email_address": "buyer@example.com",
                    "account_id": payer_id,
                    "account_status": "VERIFIED",
                    "name": name,
                    "address": {"country_code": "US"},
                }
            }
            order["status"] = "APPROVED"
            order["update_time"] = _now_iso()
            return self._render_order(order)

    def set_capture_outcome(self, status: str) -> None:
        """Decide the next capture: ``COMPLETED`` (default), ``PENDING``, ``DECLINED`` (order
        COMPLETED, capture DECLINED) or ``INSTRUMENT_DECLINED`` (422, order stays APPROVED)."""
        allowed = ("COMPLETED", "PENDING", "DECLINED", "INSTRUMENT_DECLINED")
        if status not in allowed:
            raise ValueError(f"status must be one of {allowed}")
        with self._lock:
            self._next_capture_outcomes.append(status)

    def set_refund_outcome(self, status: str) -> None:
        """Decide the next refund's status: ``COMPLETED`` (default), ``PENDING`` or ``FAILED``."""
        allowed = ("COMPLETED", "PENDING", "FAILED")
        if status not in allowed:
            raise ValueError(f"status must be one of {allowed}")
        with self._lock:
            self._next_refund_outcomes.append(status)

    def fail_next(self, n: int = 1, status: int = 500, *, include_token: bool = False) -> None:
        """Answer the next ``n`` API requests with ``status`` and PayPal's error body for it.

        OAuth token requests are skipped (they neither fail nor use up the count) unless
        ``include_token=True``. Injected failures are never stored under a PayPal-Request-Id.
        """
        self._queue_failures(n, InjectedFailure(status, {"include_token": include_token}))

    def expire_tokens(self) -> None:
        """Expire every issued access token (the next API call answers 401)."""
        with self._lock:
            for token in self._tokens:
                self._tokens[token] = 0.0

    def webhook_event(
        self,
        event_type: str,
        resource: JSON,
        resource_type: str | None = None,
        *,
        summary: str | None = None,
        resource_version: str = "2.0",
    ) -> JSON:
        """Build a webhook event envelope around ``resource`` (deep-copied)."""
        if resource_type is None:
            resource_type = self._infer_resource_type(event_type)
        event_id = f"WH-{_paypal_id(17)}-{_paypal_id(17)}"
        base = f"{self.url}/v1/notifications/webhooks-events/{event_id}"
        return {
            "id": event_id,
            "event_version": "1.0",
            "create_time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
            "resource_type": resource_type,
            "resource_version": resource_version,
            "event_type": event_type,
            "summary": summary or self._default_summary(event_type, resource),
            "resource": copy.deepcopy(resource),
            "links": [
                {"href": base, "rel": "self", "method": "GET"},
                {"href": f"{base}/resend", "rel": "resend", "method": "POST"},
            ],
        }

    def transmission_headers(self, event: JSON) -> dict[str, str]:
        """Headers of one delivery of ``event``; the fake's verify endpoint will accept them
        (with this event and the configured ``webhook_id``)."""
        transmission_id = str(uuid.uuid1())
        transmission_time = _now_iso()
        crc = zlib.crc32(json.dumps(event).encode("utf-8")) & 0xFFFFFFFF
        message = f"{transmission_id}|{transmission_time}|{self.webhook_id}|{crc}".encode()
        signature = self._signature(message)
        cert_url = (
            "https://api.sandbox.paypal.com/v1/notifications/certs/"
            f"CERT-360caa42-fca2a594-{secrets.token_hex(4)}"
        )
        delivery = _Delivery(
            event_id=str(event.get("id")),
            transmission_id=transmission_id,
            transmission_time=transmission_time,
            transmission_sig=signature,
            cert_url=cert_url,
            auth_algo="SHA256withRSA",
            event=copy.deepcopy(event),
        )
        with self._lock:
            self._deliveries[transmission_id] = delivery
        return {
            "PAYPAL-TRANSMISSION-ID": transmission_id,
            "PAYPAL-TRANSMISSION-TIME": transmission_time,
            "PAYPAL-TRANSMISSION-SIG": signature,
            "PAYPAL-CERT-URL": cert_url,
            "PAYPAL-AUTH-ALGO": "SHA256withRSA",
        }

    def _signature(self, message: bytes) -> str:
        # 256 opaque bytes, like a SHA256withRSA-2048 signature, base64-encoded. The spec's
        # transmission_sig pattern needs a word character first, so re-derive until it has one.
        counter = 0
        while True:
            blocks = [
                hmac.new(self._signing_key, message + bytes([counter, i]), hashlib.sha256).digest()
                for i in range(8)
            ]
            signature = base64.b64encode(b"".join(blocks)).decode("ascii")
            if _SIGNATURE_START.match(signature):
                return signature
            counter += 1

    @staticmethod
    def _infer_resource_type(event_type: str) -> str:
        if event_type.startswith("PAYMENT.CAPTURE.REFUNDED") or event_type.startswith(
            "PAYMENT.REFUND"
        ):
            return "refund"
        if event_type.startswith("PAYMENT.CAPTURE."):
            return "capture"
        if event_type.startswith("CHECKOUT.ORDER."):
            return "checkout-order"
        return event_type.split(".")[0].lower()

    @staticmethod
    def _default_summary(event_type: str, resource: JSON) -> str:
        amount = resource.get("amount")
        templates = {
            "PAYMENT.CAPTURE.COMPLETED": "Payment completed for $ {money}",
            "PAYMENT.CAPTURE.PENDING": "Payment pending for $ {money}",
            "PAYMENT.CAPTURE.DENIED": "Payment denied for $ {money}",
            "PAYMENT.CAPTURE.REFUNDED": "A $ {money} capture payment was refunded",
            "PAYMENT.CAPTURE.REVERSED": "A $ {money} capture payment was reversed",
        }
        template = templates.get(event_type)
        if template and isinstance(amount, dict):
            money = f"{amount.get('value')} {amount.get('currency_code')}"
            return template.format(money=money)
        return f"Event {event_type}"

    # ---------------------------------------------------------------- HTTP plumbing
    def handle(self, request: Request) -> Response:
        raw = request.get_data(cache=True)
        parse_error = False
        body: Any = None
        if request.path == "/v1/oauth2/token":
            body = dict(parse_qsl(raw.decode("utf-8", errors="replace"), keep_blank_values=True))
        elif request.method != "GET" and raw.strip():
            try:
                body = json.loads(raw)
            except ValueError:
                parse_error = True
        recorded = self._record(request, body)

        route, match = self._route(request.method, request.path)
        if route is None or match is None:
            return self._error_response(
                recorded,
                PayPalAPIError(
                    404,
                    [
                        IssueDetail(
                            "INVALID_RESOURCE_ID",
                            request.path,
                            self.specs.issue_description("orders", "INVALID_RESOURCE_ID"),
                            location="path",
                        )
                    ],
                ),
            )
        is_token = route.handler is FakePayPal._h_token
        if not is_token:
            auth_error = self._check_bearer(request)
            if auth_error is not None:
                return self._error_response(recorded, auth_error)

        request_id = request.headers.get("PayPal-Request-Id") if route.idempotent else None
        if request_id:
            with self._lock:
                saved = self._idempotent.get((request.path, request_id))
            if saved is not None:
                recorded.replayed = True
                return self._json_response(recorded, 200, copy.deepcopy(saved))

        self._sleep(self._pop_delay_for(is_token))
        failure = self._pop_failure_for(is_token)
        if failure is not None:
            spec = self._spec_for_path(request.path)
            return self._error_response(recorded, PayPalAPIError(failure.status, spec=spec))

        if not is_token and request.method == "POST":
            media_error = self._check_media(request, raw, parse_error)
            if media_error is not None:
                return self._error_response(recorded, media_error)

        prefer = request.headers.get("Prefer", "")
        ctx = _Context(
            request=request,
            body=body,
            prefer_representation="return=representation" in prefer.replace(" ", ""),
        )
        try:
            with self._lock:
                status, payload = route.handler(self, match, ctx)
        except PayPalAPIError as error:
            return self._error_response(recorded, error)
        if request_id and 200 <= status < 300:
            with self._lock:
                self._idempotent[(request.path, request_id)] = copy.deepcopy(payload)
        return self._json_response(recorded, status, payload)

    def _pop_delay_for(self, is_token: bool) -> float:
        if is_token:
            return 0.0
        return self._pop_delay()

    def _pop_failure_for(self, is_token: bool) -> InjectedFailure | None:
        with self._lock:
            if not self._failures:
                return None
            if is_token and not self._failures[0].options.get("include_token"):
                return None
            return self._failures.popleft()

    def _route(self, method: str, path: str) -> tuple[_Route | None, re.Match[str] | None]:
        for route in _ROUTES:
            if route.method != method:
                continue
            match = route.pattern.fullmatch(path)
            if match is not None:
                return route, match
        return None, None

    @staticmethod
    def _spec_for_path(path: str) -> SpecName:
        if path.startswith("/v2/payments"):
            return "payments"
        if path.startswith("/v1/notifications"):
            return "webhooks"
        return "orders"

    def _check_bearer(self, request: Request) -> PayPalAPIError | None:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        token = token.strip()
        with self._lock:
            expires = self._tokens.get(token) if scheme.lower() == "bearer" else None
        if expires is None or expires <= time.time():
            return PayPalAPIError(401, spec=self._spec_for_path(request.path))
        return None

    def _check_media(
        self, request: Request, raw: bytes, parse_error: bool
    ) -> PayPalAPIError | None:
        spec = self._spec_for_path(request.path)
        if raw.strip() and request.mimetype != "application/json":
            return PayPalAPIError(415, spec=spec, invalid_body=True)
        if parse_error:
            issue = "MALFORMED_REQUEST_JSON"
            detail = IssueDetail(issue, "/", self.specs.issue_description(spec, issue))
            return PayPalAPIError(400, [detail], spec=spec, invalid_body=True)
        return None

    def _error_response(self, recorded: RecordedRequest, error: PayPalAPIError) -> Response:
        debug_id = _debug_id()
        if error.raw_body is not None:
            body = error.raw_body
        else:
            name, message = self.specs.error_name_message(error.spec, error.status)
            body = {"name": name, "message": message, "debug_id": debug_id}
            if error.details:
                body["details"] = [d.as_json() for d in error.details]
                api = _DOC_LINK_API[error.spec]
                body["links"] = [
                    {
                        "href": f"https://developer.paypal.com/docs/api/{api}/#error-"
                        f"{error.details[0].issue}",
                        "rel": "information_link",
                        "method": "GET",
                    },
                    *error.extra_links,
                ]
        if error.invalid_body:
            with self._lock:
                self.invalid_requests.append(recorded)
        return self._json_response(recorded, error.status, body, debug_id=debug_id)

    def _json_response(
        self, recorded: RecordedRequest, status: int, body: JSON, *, debug_id: str | None = None
    ) -> Response:
        recorded.status = status
        recorded.response = body
        response = Response(json.dumps(body), status=status, mimetype="application/json")
        response.headers["PayPal-Debug-Id"] = debug_id or _debug_id()
        return response

    # ---------------------------------------------------------------- validation helpers
    def _validate_body(self, spec: SpecName, schema: str, body: Any) -> None:
        details = self.specs.validate(spec, schema, body)
        if details:
            raise PayPalAPIError(400, details, spec=spec, invalid_body=True)

    def _unprocessable(
        self, spec: SpecName, issue: str, field: str, value: str | None = None, *, invalid: bool
    ) -> PayPalAPIError:
        detail = IssueDetail(issue, field, self.specs.issue_description(spec, issue), value=value)
        return PayPalAPIError(422, [detail], spec=spec, invalid_body=invalid)

    def _money_issues(
        self, spec: SpecName, money: JSON, pointer: str, *, positive: bool
    ) -> list[IssueDetail]:
        currency = money.get("currency_code")
        value = money.get("value")
        if not isinstance(currency, str) or not isinstance(value, str):
            return []
        if currency not in PAYPAL_CURRENCY_EXPONENTS:
            issue = "CURRENCY_NOT_SUPPORTED"
            desc = self.specs.issue_description(spec, issue)
            return [IssueDetail(issue, f"{pointer}/currency_code", desc, value=currency)]
        exponent = PAYPAL_CURRENCY_EXPONENTS[currency]
        decimals = len(value.split(".", 1)[1]) if "." in value else 0
        if decimals > exponent:
            issue = (
                "DECIMALS_NOT_SUPPORTED"
                if exponent == 0 and spec == "payments"
                else "DECIMAL_PRECISION"
            )
            desc = self.specs.issue_description(spec, issue)
            return [IssueDetail(issue, f"{pointer}/value", desc, value=value)]
        try:
            amount = Decimal(value)
        except InvalidOperation:  # pragma: no cover - the schema pattern rejects these
            return []
        if positive and amount <= 0:
            issue = "CANNOT_BE_ZERO_OR_NEGATIVE"
            desc = self.specs.issue_description(spec, issue)
            return [IssueDetail(issue, f"{pointer}/value", desc, value=value)]
        if not positive and amount < 0:
            issue = "CANNOT_BE_NEGATIVE"
            desc = self.specs.issue_description(spec, issue)
            return [IssueDetail(issue, f"{pointer}/value", desc, value=value)]
        return []

    def _order_semantic_issues(self, body: JSON) -> list[IssueDetail]:
        spec: SpecName = "orders"
        issues: list[IssueDetail] = []
        units = body["purchase_units"]
        if len(units) > 1:
            refs = [u.get("reference_id") for u in units]
            for index, ref in enumerate(refs):
                if ref is None:
                    issue = "REFERENCE_ID_REQUIRED"
                    issues.append(
                        IssueDetail(
                            issue,
                            f"/purchase_units/{index}/reference_id",
                            self.specs.issue_description(spec, issue),
                        )
                    )
            if len({r for r in refs if r is not None}) < len([r for r in refs if r is not None]):
                issue = "DUPLICATE_REFERENCE_ID"
                issues.append(
                    IssueDetail(issue, "/purchase_units", self.specs.issue_description(spec, issue))
                )
            if len({u["amount"]["currency_code"] for u in units}) > 1:
                issue = "MULTI_CURRENCY_ORDER"
                issues.append(
                    IssueDetail(
                        issue,
                        "/purchase_units/1/amount/currency_code",
                        self.specs.issue_description(spec, issue),
                    )
                )
        for index, unit in enumerate(units):
            base = f"/purchase_units/{index}"
            amount = unit["amount"]
            issues += self._money_issues(spec, amount, f"{base}/amount", positive=True)
            breakdown = amount.get("breakdown") or {}
            for key, money in breakdown.items():
                if isinstance(money, dict):
                    issues += self._money_issues(
                        spec, money, f"{base}/amount/breakdown/{key}", positive=False
                    )
            items = unit.get("items") or []
            for item_index, item in enumerate(items):
                for key in ("unit_amount", "tax"):
                    if isinstance(item.get(key), dict):
                        issues += self._money_issues(
                            spec, item[key], f"{base}/items/{item_index}/{key}", positive=False
                        )
            if issues:
                continue
            issues += self._breakdown_issues(unit, base)
        return issues

    def _breakdown_issues(self, unit: JSON, base: str) -> list[IssueDetail]:
        spec: SpecName = "orders"
        amount = unit["amount"]
        breakdown = amount.get("breakdown")
        items = unit.get("items") or []
        if items and any("unit_amount" in i for i in items):
            if not breakdown or "item_total" not in breakdown:
                issue = "ITEM_TOTAL_REQUIRED"
                return [
                    IssueDetail(
                        issue,
                        f"{base}/amount/breakdown/item_total",
                        self.specs.issue_description(spec, issue),
                    )
                ]
            items_sum = sum(
                (
                    Decimal(i["unit_amount"]["value"]) * Decimal(str(i.get("quantity", "1")))
                    for i in items
                    if "unit_amount" in i
                ),
                Decimal(0),
            )
            if items_sum != Decimal(breakdown["item_total"]["value"]):
                issue = "ITEM_TOTAL_MISMATCH"
                return [
                    IssueDetail(
                        issue,
                        f"{base}/amount/breakdown/item_total/value",
                        self.specs.issue_description(spec, issue),
                        value=breakdown["item_total"]["value"],
                    )
                ]
        if breakdown:
            plus = ("item_total", "tax_total", "shipping", "handling", "insurance")
            minus = ("shipping_discount", "discount")
            total = sum(
                (Decimal(breakdown[k]["value"]) for k in plus if k in breakdown), Decimal(0)
            )
            total -= sum(
                (Decimal(breakdown[k]["value"]) for k in minus if k in breakdown), Decimal(0)
            )
            if total != Decimal(amount["value"]):
                issue = "AMOUNT_MISMATCH"
                return [
                    IssueDetail(
                        issue,
                        f"{base}/amount/value",
                        self.specs.issue_description(spec, issue),
                        value=amount["value"],
                    )
                ]
        return []

    # ---------------------------------------------------------------- rendering
    def _link(self, path: str, rel: str, method: str) -> JSON:
        return {"href": f"{self.url}{path}", "rel": rel, "method": method}

    def _order_links(self, order: JSON) -> list[JSON]:
        order_id = order["id"]
        links = [self._link(f"/v2/checkout/orders/{order_id}", "self", "GET")]
        status = order["status"]
        approve_href = f"https://www.sandbox.paypal.com/checkoutnow?token={order_id}"
        if status == "CREATED":
            links.append({"href": approve_href, "rel": "approve", "method": "GET"})
        if status == "PAYER_ACTION_REQUIRED":
            links.append({"href": approve_href, "rel": "payer-action", "method": "GET"})
        if status in ("CREATED", "APPROVED", "PAYER_ACTION_REQUIRED"):
            links.append(self._link(f"/v2/checkout/orders/{order_id}", "update", "PATCH"))
            action = "capture" if order["intent"] == "CAPTURE" else "authorize"
            links.append(self._link(f"/v2/checkout/orders/{order_id}/{action}", action, "POST"))
        return links

    def _render_order(self, order: JSON) -> JSON:
        rendered = {k: copy.deepcopy(v) for k, v in order.items() if not k.startswith("_")}
        for unit, capture_ids in zip(rendered["purchase_units"], order["_captures"], strict=True):
            if not capture_ids:
                continue
            captures = []
            refunds = []
            for capture_id in capture_ids:
                capture = copy.deepcopy(self.captures[capture_id])
                capture.pop("supplementary_data", None)
                captures.append(capture)
                for refund_id in capture.pop("_refunds", []):
                    refunds.append(copy.deepcopy(self.refunds[refund_id]))
            payments: JSON = {"captures": captures}
            if refunds:
                payments["refunds"] = refunds
            unit["payments"] = payments
        rendered["links"] = self._order_links(order)
        return rendered

    # ---------------------------------------------------------------- endpoint handlers
    def _h_token(self, _m: re.Match[str], ctx: _Context) -> tuple[int, JSON]:
        auth = ctx.request.authorization
        ok = (
            auth is not None
            and auth.type == "basic"
            and hmac.compare_digest(auth.username or "", self.client_id)
            and hmac.compare_digest(auth.password or "", self.client_secret)
        )
        if not ok:
            raise PayPalAPIError(
                401,
                body={
                    "error": "invalid_client",
                    "error_description": "Client Authentication failed",
                },
            )
        grant_type = (ctx.body or {}).get("grant_type")
        if grant_type != "client_credentials":
            description = "Grant Type is NULL" if not grant_type else "unsupported grant_type"
            raise PayPalAPIError(
                400, body={"error": "unsupported_grant_type", "error_description": description}
            )
        token = f"A21AA{secrets.token_urlsafe(60)}"
        self._tokens[token] = time.time() + self.token_ttl
        return 200, {
            "scope": "https://uri.paypal.com/services/payments/payment/authcode "
            "https://uri.paypal.com/services/payments/refund "
            "https://uri.paypal.com/services/applications/webhooks openid",
            "access_token": token,
            "token_type": "Bearer",
            "app_id": "APP-80W284485P519543T",
            "expires_in": self.token_ttl,
            "nonce": f"{_now_iso()}{secrets.token_urlsafe(32)}",
        }

    def _h_create_order(self, _m: re.Match[str], ctx: _Context) -> tuple[int, JSON]:
        body = ctx.body if ctx.body is not None else {}
        self._validate_body("orders", "order_request", body)
        issues = self._order_semantic_issues(body)
        if issues:
            raise PayPalAPIError(422, issues, spec="orders", invalid_body=True)
        order_id = _paypal_id()
        now = _now_iso()
        units = []
        for unit in body["purchase_units"]:
            rendered: JSON = {
                "reference_id": unit.get("reference_id", "default"),
                "amount": copy.deepcopy(unit["amount"]),
                "payee": {"email_address": self.merchant_email, "merchant_id": self.merchant_id},
            }
            for key in ("description", "custom_id", "invoice_id", "soft_descriptor", "items"):
                if key in unit:
                    rendered[key] = copy.deepcopy(unit[key])
            units.append(rendered)
        payment_source = body.get("payment_source")
        order: JSON = {
            "id": order_id,
            "intent": body["intent"],
            "status": "PAYER_ACTION_REQUIRED"
            if isinstance(payment_source, dict) and "paypal" in payment_source
            else "CREATED",
            "purchase_units": units,
            "create_time": now,
            "_captures": [[] for _ in units],
            "_request": copy.deepcopy(body),
        }
        if isinstance(payment_source, dict) and "paypal" in payment_source:
            paypal = {
                k: v for k, v in payment_source["paypal"].items() if k != "experience_context"
            }
            order["payment_source"] = {"paypal": paypal}
        self.orders[order_id] = order
        rendered_order = self._render_order(order)
        if ctx.prefer_representation:
            return 201, rendered_order
        minimal = {k: rendered_order[k] for k in ("id", "status", "links")}
        if "payment_source" in rendered_order:
            minimal["payment_source"] = rendered_order["payment_source"]
        return 201, minimal

    def _find_order(self, order_id: str) -> JSON:
        order = self.orders.get(order_id)
        if order is None:
            issue = "INVALID_RESOURCE_ID"
            detail = IssueDetail(
                issue,
                "order_id",
                self.specs.issue_description("orders", issue),
                value=order_id,
                location="path",
            )
            raise PayPalAPIError(404, [detail], spec="orders")
        return order

    def _h_get_order(self, m: re.Match[str], _ctx: _Context) -> tuple[int, JSON]:
        return 200, self._render_order(self._find_order(m["id"]))

    def _fee(self, gross: Decimal, currency: str) -> Decimal:
        fixed = Decimal("49") if PAYPAL_CURRENCY_EXPONENTS[currency] == 0 else Decimal("0.49")
        return gross * Decimal("0.0349") + fixed

    def _h_capture_order(self, m: re.Match[str], ctx: _Context) -> tuple[int, JSON]:
        body = ctx.body if ctx.body is not None else {}
        self._validate_body("orders", "order_capture_request", body)
        order = self._find_order(m["id"])
        if order["status"] == "COMPLETED":
            raise self._unprocessable("orders", "ORDER_ALREADY_CAPTURED", "", invalid=False)
        if order["intent"] != "CAPTURE":
            raise self._unprocessable("orders", "ACTION_DOES_NOT_MATCH_INTENT", "", invalid=False)
        if order["status"] != "APPROVED":
            raise self._unprocessable("orders", "ORDER_NOT_APPROVED", "", invalid=False)
        unit = order["purchase_units"][0]
        invoice_id = unit.get("invoice_id")
        if invoice_id and invoice_id in self._captured_invoice_ids:
            raise self._unprocessable("orders", "DUPLICATE_INVOICE_ID", "", invalid=False)
        outcome = self._next_capture_outcomes.pop(0) if self._next_capture_outcomes else "COMPLETED"
        if outcome == "INSTRUMENT_DECLINED":
            error = self._unprocessable("orders", "INSTRUMENT_DECLINED", "", invalid=False)
            error.extra_links = [
                {
                    "href": f"https://www.sandbox.paypal.com/checkoutnow?token={order['id']}",
                    "rel": "redirect",
                    "method": "GET",
                }
            ]
            raise error
        now = _now_iso()
        for index, purchase_unit in enumerate(order["purchase_units"]):
            capture = self._new_capture(order, purchase_unit, outcome, now)
            order["_captures"][index].append(capture["id"])
            if outcome in ("COMPLETED", "PENDING") and purchase_unit.get("invoice_id"):
                self._captured_invoice_ids.add(purchase_unit["invoice_id"])
        order["status"] = "COMPLETED"
        order["update_time"] = now
        return 201, self._render_order(order)

    def _new_capture(self, order: JSON, unit: JSON, outcome: str, now: str) -> JSON:
        capture_id = _paypal_id()
        currency = unit["amount"]["currency_code"]
        gross = Decimal(unit["amount"]["value"])
        capture: JSON = {
            "id": capture_id,
            "status": outcome,
            "amount": {"currency_code": currency, "value": unit["amount"]["value"]},
            "final_capture": True,
            "seller_protection": {
                "status": "ELIGIBLE",
                "dispute_categories": ["ITEM_NOT_RECEIVED", "UNAUTHORIZED_TRANSACTION"],
            },
        }
        if outcome == "PENDING":
            capture["status_details"] = {"reason": "PENDING_REVIEW"}
        if outcome == "COMPLETED":
            fee = _money(self._fee(gross, currency), currency)
            capture["seller_receivable_breakdown"] = {
                "gross_amount": _money(gross, currency),
                "paypal_fee": fee,
                "net_amount": _money(gross - Decimal(fee["value"]), currency),
            }
        for key in ("custom_id", "invoice_id"):
            if key in unit:
                capture[key] = unit[key]
        capture["links"] = [
            self._link(f"/v2/payments/captures/{capture_id}", "self", "GET"),
            self._link(f"/v2/payments/captures/{capture_id}/refund", "refund", "POST"),
            self._link(f"/v2/checkout/orders/{order['id']}", "up", "GET"),
        ]
        capture.update(
            create_time=now,
            update_time=now,
            supplementary_data={"related_ids": {"order_id": order["id"]}},
            _refunds=[],
        )
        self.captures[capture_id] = capture
        return capture

    def _find_capture(self, capture_id: str) -> JSON:
        capture = self.captures.get(capture_id)
        if capture is None:
            issue = "INVALID_RESOURCE_ID"
            detail = IssueDetail(
                issue,
                "capture_id",
                self.specs.issue_description("payments", issue),
                value=capture_id,
                location="path",
            )
            raise PayPalAPIError(404, [detail], spec="payments")
        return capture

    @staticmethod
    def _public(obj: JSON) -> JSON:
        return {k: copy.deepcopy(v) for k, v in obj.items() if not k.startswith("_")}

    def _h_get_capture(self, m: re.Match[str], _ctx: _Context) -> tuple[int, JSON]:
        return 200, self._public(self._find_capture(m["id"]))

    def _refunded_total(self, capture: JSON) -> Decimal:
        return sum(
            (
                Decimal(self.refunds[r]["amount"]["value"])
                for r in capture["_refunds"]
                if self.refunds[r]["status"] in ("COMPLETED", "PENDING")
            ),
            Decimal(0),
        )

    def _h_refund_capture(self, m: re.Match[str], ctx: _Context) -> tuple[int, JSON]:
        spec: SpecName = "payments"
        body = ctx.body if ctx.body is not None else {}
        self._validate_body(spec, "refund_request", body)
        if isinstance(body.get("amount"), dict):
            issues = self._money_issues(spec, body["amount"], "/amount", positive=True)
            if issues:
                raise PayPalAPIError(422, issues, spec=spec, invalid_body=True)
        capture = self._find_capture(m["id"])
        status = capture["status"]
        if status == "PENDING":
            raise self._unprocessable(spec, "PENDING_CAPTURE", "", invalid=False)
        if status == "REFUNDED":
            raise self._unprocessable(spec, "CAPTURE_FULLY_REFUNDED", "", invalid=False)
        if status not in ("COMPLETED", "PARTIALLY_REFUNDED"):
            raise self._unprocessable(spec, "REFUND_NOT_ALLOWED", "", invalid=False)
        currency = capture["amount"]["currency_code"]
        captured = Decimal(capture["amount"]["value"])
        remaining = captured - self._refunded_total(capture)
        if remaining <= 0:
            raise self._unprocessable(spec, "CAPTURE_FULLY_REFUNDED", "", invalid=False)
        if isinstance(body.get("amount"), dict):
            requested = body["amount"]
            if requested["currency_code"] != currency:
                raise self._unprocessable(
                    spec,
                    "REFUND_CAPTURE_CURRENCY_MISMATCH",
                    "/amount/currency_code",
                    requested["currency_code"],
                    invalid=False,
                )
            amount = Decimal(requested["value"])
            if amount > remaining:
                raise self._unprocessable(
                    spec,
                    "REFUND_AMOUNT_EXCEEDED",
                    "/amount/value",
                    requested["value"],
                    invalid=False,
                )
        else:
            amount = remaining
        outcome = self._next_refund_outcomes.pop(0) if self._next_refund_outcomes else "COMPLETED"
        now = _now_iso()
        refund_id = _paypal_id()
        refund: JSON = {
            "id": refund_id,
            "status": outcome,
            "amount": _money(amount, currency),
        }
        if outcome == "PENDING":
            refund["status_details"] = {"reason": "ECHECK"}
        for key in ("invoice_id", "custom_id", "note_to_payer"):
            if key in body:
                refund[key] = body[key]
        total_refunded = self._refunded_total(capture) + (amount if outcome != "FAILED" else 0)
        refund["seller_payable_breakdown"] = {
            "gross_amount": _money(amount, currency),
            "paypal_fee": _money(Decimal(0), currency),
            "net_amount": _money(amount, currency),
            "total_refunded_amount": _money(total_refunded, currency),
        }
        refund["links"] = [
            self._link(f"/v2/payments/refunds/{refund_id}", "self", "GET"),
            self._link(f"/v2/payments/captures/{capture['id']}", "up", "GET"),
        ]
        refund.update(create_time=now, update_time=now)
        self.refunds[refund_id] = refund
        capture["_refunds"].append(refund_id)
        if outcome != "FAILED":
            capture["status"] = "REFUNDED" if total_refunded >= captured else "PARTIALLY_REFUNDED"
            capture["update_time"] = now
        if ctx.prefer_representation:
            return 201, copy.deepcopy(refund)
        return 201, {k: copy.deepcopy(refund[k]) for k in ("id", "status", "links")}

    def _h_get_refund(self, m: re.Match[str], _ctx: _Context) -> tuple[int, JSON]:
        refund = self.refunds.get(m["id"])
        if refund is None:
            issue = "INVALID_RESOURCE_ID"
            detail = IssueDetail(
                issue,
                "refund_id",
                self.specs.issue_description("payments", issue),
                value=m["id"],
                location="path",
            )
            raise PayPalAPIError(404, [detail], spec="payments")
        return 200, copy.deepcopy(refund)

    def _h_verify_webhook(self, _m: re.Match[str], ctx: _Context) -> tuple[int, JSON]:
        body = ctx.body if ctx.body is not None else {}
        details = self.specs.validate("webhooks", "verify_webhook_signature", body)
        if details:
            raise PayPalAPIError(
                400,
                spec="webhooks",
                invalid_body=True,
                body={
                    "name": "VALIDATION_ERROR",
                    "message": "Invalid request - see details",
                    "debug_id": _debug_id(),
                    "information_link": "https://developer.paypal.com/docs/api/webhooks/v1/"
                    "#verify-webhook-signature_post",
                    "details": [d.as_json() for d in details],
                },
            )
        delivery = self._deliveries.get(body["transmission_id"])
        verified = (
            delivery is not None
            and body["webhook_id"] == self.webhook_id
            and body["transmission_time"] == delivery.transmission_time
            and body["transmission_sig"] == delivery.transmission_sig
            and body["cert_url"] == delivery.cert_url
            and body["auth_algo"] == delivery.auth_algo
            and body["webhook_event"] == delivery.event
        )
        return 200, {"verification_status": "SUCCESS" if verified else "FAILURE"}


def _r(method: str, path: str, handler: _Handler, *, idempotent: bool = False) -> _Route:
    pattern = re.compile(re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", path))
    return _Route(method, pattern, handler, idempotent)


_ROUTES: tuple[_Route, ...] = (
    _r("POST", "/v1/oauth2/token", FakePayPal._h_token),
    _r("POST", "/v2/checkout/orders", FakePayPal._h_create_order, idempotent=True),
    _r("GET", "/v2/checkout/orders/{id}", FakePayPal._h_get_order),
    _r("POST", "/v2/checkout/orders/{id}/capture", FakePayPal._h_capture_order, idempotent=True),
    _r("GET", "/v2/payments/captures/{id}", FakePayPal._h_get_capture),
    _r("POST", "/v2/payments/captures/{id}/refund", FakePayPal._h_refund_capture, idempotent=True),
    _r("GET", "/v2/payments/refunds/{id}", FakePayPal._h_get_refund),
    _r("POST", "/v1/notifications/verify-webhook-signature", FakePayPal._h_verify_webhook),
)
