"""A stateful local fake of the Stripe v1 API, as stripe-python 15.3.1 speaks it.

Point the real SDK at it::

    with FakeStripe() as fake:
        client = stripe.StripeClient(
            "sk_test_x", base_addresses={"api": fake.url}, max_network_retries=0
        )
        intent = client.v1.payment_intents.create(params={"amount": 1000, "currency": "usd"})
        fake.succeed_payment_intent(intent.id)

Wire behaviour reproduced: form-encoded bracket params, Bearer ``sk_`` auth, ``{"error": {...}}``
bodies and status codes, ``Idempotency-Key`` replay / mismatch / in-flight 409, unknown-parameter
and enum/integer/boolean checks derived from the SDK's own ``stripe.params`` TypedDicts, and the
``Stripe-Signature`` webhook scheme (:func:`sign_stripe_payload`).
"""

from __future__ import annotations

import calendar
import copy
import functools
import hashlib
import hmac
import json
import re
import secrets
import string
import time
import types
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints
from urllib.parse import parse_qsl

import stripe.params as stripe_params
import stripe.params.checkout as stripe_checkout_params
from stripe._request_options import RequestOptions
from typing_extensions import is_typeddict
from werkzeug.wrappers import Request, Response

from tests.vendor_servers.base import FakeVendorServer, InjectedFailure, RecordedRequest

__all__ = ["API_VERSION", "FakeStripe", "parse_stripe_form", "sign_stripe_payload"]

API_VERSION = "2026-06-24.dahlia"

JSON = dict[str, Any]

_ALNUM = string.ascii_letters + string.digits


def _codes(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Currencies Stripe accepts for charges (docs.stripe.com/currencies), lowercase.
STRIPE_CURRENCIES = _codes(
    """usd aed afn all amd ang aoa ars aud awg azn bam bbd bdt bgn bhd bif bmd bnd bob brl bsd
    bwp byn bzd cad cdf chf clp cny cop crc cve czk djf dkk dop dzd egp etb eur fjd fkp gbp gel
    gip gmd gnf gtq gyd hkd hnl htg huf idr ils inr isk jmd jod jpy kes kgs khr kmf krw kwd kyd
    kzt lak lbp lkr lrd lsl mad mdl mga mkd mmk mnt mop mur mvr mwk mxn myr mzn nad ngn nio nok
    npr nzd omr pab pen pgk php pkr pln pyg qar ron rsd rub rwf sar sbd scr sek sgd shp sle sos
    srd std szl thb tjs top try ttd twd tzs uah ugx uyu uzs vnd vuv wst xaf xcd xof xpf yer zar
    zmw"""
)
ZERO_DECIMAL_CURRENCIES = _codes("bif clp djf gnf jpy kmf krw mga pyg rwf ugx vnd vuv xaf xof xpf")
THREE_DECIMAL_CURRENCIES = _codes("bhd jod kwd omr tnd")
# Minimum charge amounts in minor units (docs.stripe.com/currencies, "minimum and maximum
# charge amounts"); only the currencies listed here are checked.
MINIMUM_CHARGE = {
    "usd": 50,
    "eur": 50,
    "gbp": 30,
    "cad": 50,
    "aud": 50,
    "chf": 50,
    "nzd": 50,
    "sgd": 50,
    "inr": 50,
    "jpy": 50,
}
MAXIMUM_AMOUNT = 99_999_999  # "supports up to eight digits"

# Test PaymentMethod ids with special behaviour on confirm=true (docs.stripe.com/testing).
_DECLINING_PAYMENT_METHODS = {
    "pm_card_chargeDeclined": "generic_decline",
    "pm_card_visa_chargeDeclined": "generic_decline",
    "pm_card_chargeDeclinedInsufficientFunds": "insufficient_funds",
    "pm_card_visa_chargeDeclinedInsufficientFunds": "insufficient_funds",
    "pm_card_chargeDeclinedLostCard": "lost_card",
    "pm_card_chargeDeclinedStolenCard": "stolen_card",
}
_ACTION_PAYMENT_METHODS = _codes(
    "pm_card_authenticationRequired pm_card_threeDSecure2Required pm_card_threeDSecureRequired"
)
_CANCELABLE_PI_STATUSES = (
    "requires_payment_method",
    "requires_capture",
    "requires_confirmation",
    "requires_action",
    "processing",
)


def _new_id(prefix: str, length: int = 24) -> str:
    return prefix + "".join(secrets.choice(_ALNUM) for _ in range(length))


def sign_stripe_payload(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    """Return a ``Stripe-Signature`` header value for ``payload`` signed with ``secret``.

    ``t=<unix>,v1=<lowercase hex HMAC-SHA256(secret, f"{t}.{payload}")>``, exactly what
    ``stripe.Webhook.construct_event`` verifies.
    """
    t = int(time.time()) if timestamp is None else int(timestamp)
    signed = f"{t}.".encode() + payload
    digest = hmac.new(secret.encode("utf-8"), signed, hashlib.sha256).hexdigest()
    return f"t={t},v1={digest}"


# --------------------------------------------------------------------------------------
# form decoding
# --------------------------------------------------------------------------------------
_KEY_RE = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")
_SEGMENT_RE = re.compile(r"\[([^\[\]]*)\]")
_FREE_FORM_KEYS = frozenset({"metadata"})


def _split_key(key: str) -> list[str]:
    match = _KEY_RE.match(key)
    if match is None:
        return [key]
    return [match.group(1), *_SEGMENT_RE.findall(match.group(2))]


def _listify(node: Any, key: str | None = None) -> Any:
    if not isinstance(node, dict):
        return node
    if key in _FREE_FORM_KEYS:
        return {k: _listify(v) for k, v in node.items()}
    converted = {k: _listify(v, k) for k, v in node.items()}
    keys = list(converted)
    if keys and all(k.isdigit() for k in keys):
        indexes = sorted(int(k) for k in keys)
        if indexes == list(range(len(indexes))):
            return [converted[str(i)] for i in indexes]
    return converted


def parse_stripe_form(body: str) -> JSON:
    """Decode Stripe's ``application/x-www-form-urlencoded`` bracket syntax into nested data.

    ``metadata[order_id]=1`` -> ``{"metadata": {"order_id": "1"}}``;
    ``line_items[0][price_data][currency]=usd`` -> ``{"line_items": [{"price_data": {...}}]}``.
    All leaf values stay strings (booleans arrive as ``"true"`` / ``"false"``). Dicts whose keys
    are exactly ``0..n-1`` become lists, except under ``metadata`` (free-form string map).
    """
    root: JSON = {}
    for raw_key, value in parse_qsl(body, keep_blank_values=True):
        segments = _split_key(raw_key)
        node: JSON = root
        for index, segment in enumerate(segments):
            last = index == len(segments) - 1
            name = str(len(node)) if segment == "" else segment
            if last:
                node[name] = value
            else:
                child = node.get(name)
                if not isinstance(child, dict):
                    child = {}
                    node[name] = child
                node = child
    result = _listify(root)
    assert isinstance(result, dict)
    return result


def _encode_param_path(path: list[str | int]) -> str:
    if not path:
        return ""
    head, *rest = path
    return str(head) + "".join(f"[{p}]" for p in rest)


# --------------------------------------------------------------------------------------
# parameter checks derived from stripe.params TypedDicts
# --------------------------------------------------------------------------------------
_REQUEST_OPTION_KEYS = frozenset(RequestOptions.__annotations__)
_UNION_TYPES: tuple[Any, ...] = (Union, types.UnionType)


@functools.cache
def _typed_dict_fields(cls: type) -> dict[str, Any]:
    """Resolve a stripe.params TypedDict's fields one by one (the SDK's RequestOptions base
    has TYPE_CHECKING-only forward refs that break ``get_type_hints`` on the whole class)."""
    annotations: dict[str, Any] = dict(cls.__annotations__)
    is_top_level = annotations.keys() >= _REQUEST_OPTION_KEYS
    fields: dict[str, Any] = {}
    for key, annotation in annotations.items():
        if is_top_level and key in _REQUEST_OPTION_KEYS:
            continue
        holder = type("_Holder", (), {"__annotations__": {key: annotation}})
        holder.__module__ = cls.__module__
        try:
            fields[key] = get_type_hints(holder)[key]
        except (NameError, TypeError):  # pragma: no cover - unresolvable annotation
            fields[key] = Any
    return fields


@dataclass(frozen=True)
class _ParamProblem:
    kind: Literal["unknown", "enum", "integer", "boolean"]
    param: str
    value: str = ""
    allowed: tuple[str, ...] = ()


def _shape_matches(value: Any, tp: Any) -> bool:
    if tp is Any:
        return True
    origin = get_origin(tp)
    if is_typeddict(tp) or origin is dict:
        return isinstance(value, dict)
    if origin is list:
        return isinstance(value, list)
    if isinstance(tp, type) and not is_typeddict(tp) and tp not in (str, int, bool, float):
        return isinstance(value, dict)  # e.g. UntypedStripeObject: free-form map
    if origin is not None and origin is not Literal:
        return isinstance(value, dict)  # generic free-form classes
    return not isinstance(value, dict | list)


def _check_scalar(value: Any, tp: Any, path: str) -> _ParamProblem | None:
    if not isinstance(value, str):
        return None
    origin = get_origin(tp)
    if origin is Literal:
        allowed = tuple(str(a) for a in get_args(tp))
        return None if value in allowed else _ParamProblem("enum", path, value, allowed)
    if tp is bool:
        return None if value in ("true", "false") else _ParamProblem("boolean", path, value)
    if tp is int:
        return None if re.fullmatch(r"-?\d+", value) else _ParamProblem("integer", path, value)
    return None


def _find_param_problem(value: Any, tp: Any, path: list[str | int]) -> _ParamProblem | None:
    origin = get_origin(tp)
    if origin in _UNION_TYPES:
        candidates = [arg for arg in get_args(tp) if _shape_matches(value, arg)]
        if not candidates:
            return None
        problems = [_find_param_problem(value, arg, path) for arg in candidates]
        if any(p is None for p in problems):
            return None
        return problems[-1]
    if is_typeddict(tp):
        if not isinstance(value, dict):
            return None
        fields = _typed_dict_fields(tp)
        for key, sub in value.items():
            sub_path = [*path, key]
            if key not in fields:
                return _ParamProblem("unknown", _encode_param_path(sub_path))
            problem = _find_param_problem(sub, fields[key], sub_path)
            if problem is not None:
                return problem
        return None
    if origin is list:
        if not isinstance(value, list):
            return None
        args = get_args(tp)
        item_tp = args[0] if args else Any
        for index, item in enumerate(value):
            problem = _find_param_problem(item, item_tp, [*path, index])
            if problem is not None:
                return problem
        return None
    return _check_scalar(value, tp, _encode_param_path(path))


# --------------------------------------------------------------------------------------
# errors
# --------------------------------------------------------------------------------------
class StripeAPIError(Exception):
    """Raised inside handlers; rendered as Stripe's ``{"error": {...}}`` body.

    ``persist`` marks errors produced after the endpoint started executing (e.g. a card
    decline): those are saved under the request's Idempotency-Key like successes.
    """

    def __init__(
        self,
        status: int,
        message: str,
        *,
        type_: str = "invalid_request_error",
        code: str | None = None,
        param: str | None = None,
        decline_code: str | None = None,
        persist: bool = False,
        extra: JSON | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.type = type_
        self.code = code
        self.param = param
        self.decline_code = decline_code
        self.persist = persist
        self.extra = extra or {}

    def body(self, request_id: str) -> JSON:
        error: JSON = {"message": self.message, "type": self.type}
        if self.code is not None:
            error["code"] = self.code
            error["doc_url"] = f"https://stripe.com/docs/error-codes/{self.code.replace('_', '-')}"
        if self.decline_code is not None:
            error["decline_code"] = self.decline_code
        if self.param is not None:
            error["param"] = self.param
        error["request_log_url"] = f"https://dashboard.stripe.com/test/logs/{request_id}"
        error.update(self.extra)
        return {"error": error}


def _missing(param: str) -> StripeAPIError:
    return StripeAPIError(
        400, f"Missing required param: {param}.", code="parameter_missing", param=param
    )


def _no_such(kind: str, obj_id: str, param: str, status: int = 404) -> StripeAPIError:
    return StripeAPIError(
        status, f"No such {kind}: '{obj_id}'", code="resource_missing", param=param
    )


def _format_amount(amount: int, currency: str) -> str:
    if currency in ZERO_DECIMAL_CURRENCIES:
        major = f"{amount}"
    elif currency in THREE_DECIMAL_CURRENCIES:
        major = f"{amount / 1000:.3f}"
    else:
        major = f"{amount / 100:.2f}"
    return f"${major}" if currency == "usd" else f"{major} {currency}"


_NOT_INCLUDABLE = object()


def _add_interval(ts: int, interval: str, count: int) -> int:
    """``ts`` moved on by ``count`` billing intervals (calendar months/years, UTC)."""
    if interval == "day":
        return ts + 86400 * count
    if interval == "week":
        return ts + 7 * 86400 * count
    start = datetime.fromtimestamp(ts, UTC)
    months = start.month - 1 + count * (12 if interval == "year" else 1)
    year, month = start.year + months // 12, months % 12 + 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    return int(start.replace(year=year, month=month, day=day).timestamp())


def _not_modelled(params: JSON, supported: frozenset[str]) -> None:
    """The SDK accepts many more params than the fake models; rather than silently ignoring
    one (and letting a test pass for the wrong reason), refuse it."""
    for key in sorted(params):
        if key not in supported:
            raise StripeAPIError(
                400,
                f"FakeStripe does not model the `{key}` parameter on this endpoint.",
                param=key,
            )


@dataclass
class _SavedIdempotentResponse:
    method: str
    path: str
    params: JSON
    status: int
    body: JSON
    request_id: str


_Handler = Callable[["FakeStripe", "re.Match[str]", JSON], tuple[int, JSON]]


@dataclass(frozen=True)
class _Route:
    method: str
    pattern: re.Pattern[str]
    handler: _Handler
    params_cls: type | None


# --------------------------------------------------------------------------------------
# the fake
# --------------------------------------------------------------------------------------
class FakeStripe(FakeVendorServer):
    """Stateful Stripe fake. See the module docstring; test controls are plain methods.

    ``api_key``: if given, only that secret key is accepted; otherwise any ``sk_...`` key.
    ``checkout_creates_payment_intent``: Stripe (API >= 2022-08-01) creates a Checkout
    Session's PaymentIntent lazily, when the buyer pays, so ``payment_intent`` is ``null`` on
    an open session. Default ``False`` reproduces that; ``True`` creates it at session
    creation (pre-2022 behaviour) for code that wants the id up front.
    """

    def __init__(
        self, api_key: str | None = None, *, checkout_creates_payment_intent: bool = False
    ) -> None:
        super().__init__()
        self.api_key = api_key
        self.checkout_creates_payment_intent = checkout_creates_payment_intent
        self.payment_intents: dict[str, JSON] = {}
        self.checkout_sessions: dict[str, JSON] = {}
        self.charges: dict[str, JSON] = {}
        self.refunds: dict[str, JSON] = {}
        self.disputes: dict[str, JSON] = {}
        self.prices: dict[str, JSON] = {}
        self.customers: dict[str, JSON] = {}
        self.subscriptions: dict[str, JSON] = {}
        self.subscription_items: dict[str, JSON] = {}
        self.invoices: dict[str, JSON] = {}
        self.invoice_items: dict[str, JSON] = {}
        self.invoice_payments: dict[str, JSON] = {}
        # Every webhook Event the fake emitted, in order; ``_undelivered`` is what
        # ``take_events`` has not handed out yet.
        self.events: list[JSON] = []
        self._undelivered: list[JSON] = []
        self._current_request: tuple[str, str | None] | None = None
        self._idempotency: dict[str, _SavedIdempotentResponse] = {}
        self._in_flight: set[str] = set()

    # ---------------------------------------------------------------- snapshots
    def payment_intent(self, pi_id: str) -> JSON:
        return self._snapshot(self.payment_intents, pi_id)

    def checkout_session(self, session_id: str) -> JSON:
        return self._snapshot(self.checkout_sessions, session_id)

    def charge(self, charge_id: str) -> JSON:
        return self._snapshot(self.charges, charge_id)

    def refund(self, refund_id: str) -> JSON:
        return self._snapshot(self.refunds, refund_id)

    def in_flight_idempotency_keys(self) -> set[str]:
        """Idempotency keys of POSTs currently being handled (e.g. held by ``delay_next``)."""
        with self._lock:
            return set(self._in_flight)

    # ---------------------------------------------------------------- test controls
    def fail_next(self, n: int = 1, status: int = 500, *, idempotent: bool = False) -> None:
        """Answer the next ``n`` routed, authenticated requests with ``status`` and a Stripe
        error body (``api_error``; ``rate_limit`` for 429). Nothing is executed.

        By default the failure is not saved under the request's Idempotency-Key (it models a
        failure before the endpoint started, so a retry with the same key executes normally).
        ``idempotent=True`` saves it, so retries with that key replay the error, as Stripe
        does for 500s raised while the endpoint was executing.
        """
        self._queue_failures(n, InjectedFailure(status, {"idempotent": idempotent}))

    def add_price(
        self,
        price_id: str,
        *,
        unit_amount: int,
        currency: str,
        recurring_interval: Literal["day", "week", "month", "year"] | None = None,
        interval_count: int = 1,
        product: str | None = None,
        nickname: str | None = None,
        metadata: dict[str, str] | None = None,
    ) -> JSON:
        """Register a Price (``GET /v1/prices/{id}``) for Checkout ``line_items[][price]``,
        Subscription ``items[][price]`` and InvoiceItem ``pricing[price]``.

        ``recurring_interval=None`` is a one-time price; a subscription needs a recurring one.
        """
        price: JSON = {
            "id": price_id,
            "object": "price",
            "active": True,
            "billing_scheme": "per_unit",
            "created": int(time.time()),
            "currency": currency.lower(),
            "custom_unit_amount": None,
            "livemode": False,
            "lookup_key": None,
            "metadata": dict(metadata or {}),
            "nickname": nickname,
            "product": product or "prod_" + hashlib.sha256(price_id.encode()).hexdigest()[:14],
            "recurring": {
                "interval": recurring_interval,
                "interval_count": interval_count,
                "meter": None,
                "trial_period_days": None,
                "usage_type": "licensed",
            }
            if recurring_interval
            else None,
            "tax_behavior": "unspecified",
            "tiers_mode": None,
            "transform_quantity": None,
            "type": "recurring" if recurring_interval else "one_time",
            "unit_amount": unit_amount,
            "unit_amount_decimal": str(unit_amount),
        }
        with self._lock:
            self.prices[price_id] = price
        return copy.deepcopy(price)

    def succeed_payment_intent(self, pi_id: str) -> JSON:
        """Payment succeeds: status ``succeeded``, ``amount_received``, a new ``ch_`` charge."""
        with self._lock:
            pi = self.payment_intents[pi_id]
            if pi["status"] in ("succeeded", "canceled"):
                raise ValueError(f"PaymentIntent {pi_id} is already {pi['status']}")
            charge = self._create_charge(pi, succeeded=True)
            pi.update(
                status="succeeded",
                amount_received=pi["amount"],
                amount_capturable=0,
                latest_charge=charge["id"],
                next_action=None,
                last_payment_error=None,
                payment_method=pi["payment_method"] or _new_id("pm_"),
            )
            return copy.deepcopy(pi)

    def fail_payment_intent(
        self,
        pi_id: str,
        decline_code: str = "generic_decline",
        *,
        code: str = "card_declined",
        message: str = "Your card was declined.",
    ) -> JSON:
        """A payment attempt is declined: a failed charge is created and the intent goes back
        to ``requires_payment_method`` with ``last_payment_error`` filled in."""
        with self._lock:
            pi = self.payment_intents[pi_id]
            if pi["status"] in ("succeeded", "canceled"):
                raise ValueError(f"PaymentIntent {pi_id} is already {pi['status']}")
            self._decline(pi, decline_code, code=code, message=message)
            return copy.deepcopy(pi)

    def require_action(self, pi_id: str) -> JSON:
        """3-D Secure needed: status ``requires_action`` with a ``use_stripe_sdk`` next_action."""
        with self._lock:
            pi = self.payment_intents[pi_id]
            if pi["status"] in ("succeeded", "canceled"):
                raise ValueError(f"PaymentIntent {pi_id} is already {pi['status']}")
            pi.update(
                status="requires_action",
                next_action=self._use_stripe_sdk_action(),
                payment_method=pi["payment_method"] or _new_id("pm_"),
            )
            return copy.deepcopy(pi)

    def complete_checkout_session(self, session_id: str, paid: bool = True) -> JSON:
        """The buyer finishes Checkout. ``paid=False`` models a delayed payment method
        (session ``complete`` with ``payment_status: "unpaid"``, intent ``processing``)."""
        with self._lock:
            session = self.checkout_sessions[session_id]
            if session["status"] != "open":
                raise ValueError(f"Checkout Session {session_id} is {session['status']}")
            now = int(time.time())
            session.update(
                status="complete",
                url=None,
                customer_details={
                    "address": None,
                    "email": session["customer_email"] or "buyer@example.com",
                    "name": "Jenny Rosen",
                    "phone": None,
                    "tax_exempt": "none",
                    "tax_ids": [],
                },
            )
            if session["mode"] == "payment":
                pi_id = session["payment_intent"] or self._checkout_payment_intent(session)["id"]
                session["payment_intent"] = pi_id
                pi = self.payment_intents[pi_id]
                if paid:
                    self.succeed_payment_intent(pi_id)
                else:
                    pi.update(status="processing", payment_method=_new_id("pm_"))
                session["payment_status"] = "paid" if paid else "unpaid"
            elif session["mode"] == "subscription":
                session["subscription"] = _new_id("sub_")
                session["invoice"] = _new_id("in_")
                session["payment_status"] = "paid" if paid else "unpaid"
            else:
                session["setup_intent"] = _new_id("seti_")
                session["payment_status"] = "no_payment_required"
            session["completed_at"] = now
            return copy.deepcopy(session)

    def expire_checkout_session(self, session_id: str) -> JSON:
        """The session times out (as at ``expires_at``): status ``expired``, no url."""
        with self._lock:
            session = self.checkout_sessions[session_id]
            if session["status"] != "open":
                raise ValueError(f"Checkout Session {session_id} is {session['status']}")
            self._expire(session)
            return copy.deepcopy(session)

    def dispute(self, charge_id: str, reason: str = "fraudulent") -> JSON:
        """Open a dispute (chargeback) on a succeeded charge; returns the Dispute object."""
        with self._lock:
            charge = self.charges[charge_id]
            if charge["status"] != "succeeded":
                raise ValueError(f"charge {charge_id} is {charge['status']}")
            now = int(time.time())
            dispute: JSON = {
                "id": _new_id("dp_"),
                "object": "dispute",
                "amount": charge["amount"] - charge["amount_refunded"],
                "balance_transactions": [],
                "charge": charge_id,
                "created": now,
                "currency": charge["currency"],
                "evidence": {},
                "evidence_details": {
                    "due_by": now + 7 * 86400,
                    "has_evidence": False,
                    "past_due": False,
                    "submission_count": 0,
                },
                "is_charge_refundable": False,
                "livemode": False,
                "metadata": {},
                "payment_intent": charge["payment_intent"],
                "reason": reason,
                "status": "needs_response",
            }
            charge["disputed"] = True
            self.disputes[dispute["id"]] = dispute
            return copy.deepcopy(dispute)

    def event(
        self,
        type: str,
        obj: JSON,
        created: int | None = None,
        *,
        previous_attributes: JSON | None = None,
        request_id: str | None = None,
        idempotency_key: str | None = None,
    ) -> JSON:
        """Build a webhook Event envelope around ``obj`` (deep-copied)."""
        data: JSON = {"object": copy.deepcopy(obj)}
        if previous_attributes is not None:
            data["previous_attributes"] = copy.deepcopy(previous_attributes)
        return {
            "id": _new_id("evt_"),
            "object": "event",
            "api_version": API_VERSION,
            "created": int(time.time()) if created is None else created,
            "data": data,
            "livemode": False,
            "pending_webhooks": 1,
            "request": {"id": request_id, "idempotency_key": idempotency_key},
            "type": type,
        }

    # ---------------------------------------------------------------- billing snapshots
    def customer(self, customer_id: str) -> JSON:
        return self._snapshot(self.customers, customer_id)

    def subscription(self, subscription_id: str) -> JSON:
        return self._snapshot(self.subscriptions, subscription_id)

    def invoice(self, invoice_id: str) -> JSON:
        return self._snapshot(self.invoices, invoice_id)

    def invoice_item(self, invoice_item_id: str) -> JSON:
        return self._snapshot(self.invoice_items, invoice_item_id)

    def _snapshot(self, store: dict[str, JSON], object_id: str) -> JSON:
        """A copy of one stored object, safe to read while the fake goes on serving."""
        with self._lock:
            return copy.deepcopy(store[object_id])

    # ---------------------------------------------------------------- webhook events
    def take_events(self, *types: str) -> list[JSON]:
        """Hand out (and forget) the events emitted since the last ``take_events``, oldest
        first; with ``types``, only those types (the others stay pending). ``events`` keeps
        the full history. API-triggered events carry ``request.id`` / ``idempotency_key``;
        events from test controls have ``request.id: null`` as Stripe's automatic ones do."""
        with self._lock:
            taken = [e for e in self._undelivered if not types or e["type"] in types]
            taken_ids = {e["id"] for e in taken}
            self._undelivered = [e for e in self._undelivered if e["id"] not in taken_ids]
            return copy.deepcopy(taken)

    @staticmethod
    def signed_event(
        event: JSON, secret: str, timestamp: int | None = None
    ) -> tuple[bytes, dict[str, str]]:
        """The body and headers of one webhook delivery of ``event`` as Stripe sends it:
        JSON body, ``Stripe-Signature`` (see :func:`sign_stripe_payload`)."""
        body = json.dumps(event, indent=2).encode("utf-8")
        return body, {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
            "Stripe-Signature": sign_stripe_payload(body, secret, timestamp),
        }

    @classmethod
    def deliver_events(
        cls,
        events: Sequence[JSON],
        send: Callable[[bytes, dict[str, str]], Any],
        secret: str,
        *,
        order: Literal["emitted", "reversed"] | Sequence[int] = "emitted",
        times: int = 1,
        timestamp: int | None = None,
    ) -> list[Any]:
        """Deliver ``events`` through ``send(body, headers)`` and return what it returned.

        Stripe guarantees neither order nor exactly-once delivery: ``order="reversed"`` or an
        explicit index sequence (e.g. ``[2, 0, 1]``, repeats allowed) reorders them, and
        ``times=2`` sends the whole sequence twice (same event ids and bodies, each delivery
        freshly signed, as a Stripe retry is).
        """
        if times < 1:
            raise ValueError("times must be >= 1")
        if order == "emitted":
            sequence = list(events)
        elif order == "reversed":
            sequence = list(reversed(events))
        else:
            sequence = [events[i] for i in order]
        answers: list[Any] = []
        for _ in range(times):
            for event in sequence:
                body, headers = cls.signed_event(event, secret, timestamp)
                answers.append(send(body, headers))
        return answers

    def _emit(self, type_: str, obj: JSON, previous_attributes: JSON | None = None) -> JSON:
        request_id, key = self._current_request or (None, None)
        event = self.event(
            type_,
            self._public(obj),
            previous_attributes=previous_attributes,
            request_id=request_id,
            idempotency_key=key,
        )
        self.events.append(event)
        self._undelivered.append(event)
        return event

    # ---------------------------------------------------------------- billing test controls
    def pay_invoice(self, invoice_id: str) -> JSON:
        """The open invoice's PaymentIntent succeeds (a card payment): invoice ``paid`` with
        ``status_transitions.paid_at``; an ``incomplete``/``past_due`` subscription it belongs
        to becomes ``active``. Emits ``payment_intent.succeeded``, ``invoice.paid``,
        ``invoice.payment_succeeded`` (and ``customer.subscription.updated``)."""
        with self._lock:
            invoice = self.invoices[invoice_id]
            if invoice["status"] != "open":
                raise ValueError(f"invoice {invoice_id} is {invoice['status']}, not open")
            pi = self._invoice_payment_intent(invoice_id)
            if pi is not None:
                self.succeed_payment_intent(pi["id"])
                self._emit("payment_intent.succeeded", pi)
            self._settle_invoice(invoice)
            subscription = self._invoice_subscription(invoice)
            if subscription is not None and subscription["status"] in (
                "incomplete",
                "past_due",
                "unpaid",
            ):
                self._set_subscription_status(subscription, self._running_status(subscription))
            return copy.deepcopy(invoice)

    def fail_invoice_payment(
        self,
        invoice_id: str,
        decline_code: str = "generic_decline",
        *,
        code: str = "card_declined",
        message: str = "Your card was declined.",
    ) -> JSON:
        """A payment attempt on the open invoice is declined: ``attempt_count`` goes up, the
        invoice stays ``open``, its PaymentIntent is back to ``requires_payment_method`` with
        ``last_payment_error``. A renewal failure makes an ``active`` subscription
        ``past_due``. Emits ``payment_intent.payment_failed``, ``invoice.payment_failed``
        (and ``customer.subscription.updated``)."""
        with self._lock:
            invoice = self.invoices[invoice_id]
            if invoice["status"] != "open":
                raise ValueError(f"invoice {invoice_id} is {invoice['status']}, not open")
            pi = self._invoice_payment_intent(invoice_id)
            if pi is not None:
                self._decline(pi, decline_code, code=code, message=message)
                self._emit("payment_intent.payment_failed", pi)
            now = int(time.time())
            retries = invoice["auto_advance"] and invoice["billing_reason"] != (
                "subscription_create"
            )
            invoice.update(
                attempted=True,
                attempt_count=invoice["attempt_count"] + 1,
                next_payment_attempt=now + 3 * 86400 if retries else None,
            )
            self._emit("invoice.payment_failed", invoice)
            subscription = self._invoice_subscription(invoice)
            if (
                subscription is not None
                and subscription["status"] in ("active", "trialing")
                and invoice["billing_reason"] != "subscription_create"
            ):
                self._set_subscription_status(subscription, "past_due")
            return copy.deepcopy(invoice)

    def activate_subscription(self, subscription_id: str) -> JSON:
        """Make the subscription ``active``: pays its open latest invoice if it has one
        (see :meth:`pay_invoice`), otherwise just flips the status (with
        ``customer.subscription.updated``)."""
        with self._lock:
            subscription = self.subscriptions[subscription_id]
            if subscription["status"] == "canceled":
                raise ValueError(f"subscription {subscription_id} is canceled")
            latest = self.invoices.get(subscription["latest_invoice"] or "")
            if latest is not None and latest["status"] == "open":
                self.pay_invoice(latest["id"])
            elif subscription["status"] != "active":
                self._set_subscription_status(subscription, "active")
            return copy.deepcopy(subscription)

    def renew_subscription(self, subscription_id: str, *, paid: bool = True) -> JSON:
        """The current period ends. With ``cancel_at_period_end`` the subscription is
        canceled (``customer.subscription.deleted``). Otherwise the items move to the next
        period (``customer.subscription.updated``), a ``subscription_cycle`` invoice is
        created and finalized (``invoice.created``, ``invoice.finalized``) and then paid
        (:meth:`pay_invoice`) or declined (:meth:`fail_invoice_payment`: ``past_due``)."""
        with self._lock:
            subscription = self.subscriptions[subscription_id]
            if subscription["status"] in ("canceled", "incomplete", "incomplete_expired"):
                raise ValueError(f"subscription {subscription_id} is {subscription['status']}")
            if subscription["cancel_at_period_end"]:
                self._cancel_subscription(subscription, "cancellation_requested")
                return copy.deepcopy(subscription)
            previous_items = copy.deepcopy(subscription["items"])
            for item in subscription["items"]["data"]:
                recurring = item["price"]["recurring"]
                item["current_period_start"] = item["current_period_end"]
                item["current_period_end"] = _add_interval(
                    item["current_period_end"], recurring["interval"], recurring["interval_count"]
                )
                self.subscription_items[item["id"]] = item
            previous: JSON = {"items": previous_items, "latest_invoice": None}
            previous["latest_invoice"] = subscription["latest_invoice"]
            if subscription["status"] == "trialing":
                previous["status"] = "trialing"
                subscription["status"] = "active"
            invoice = self._subscription_invoice(subscription, "subscription_cycle")
            self._emit("invoice.created", invoice)
            self._finalize(invoice)
            self._emit("customer.subscription.updated", subscription, previous)
            if invoice["status"] == "open":
                if paid:
                    self.pay_invoice(invoice["id"])
                else:
                    self.fail_invoice_payment(invoice["id"])
            return copy.deepcopy(subscription)

    def past_due_subscription(self, subscription_id: str) -> JSON:
        """Renewal payment declined: :meth:`renew_subscription` with ``paid=False``."""
        return self.renew_subscription(subscription_id, paid=False)

    def cancel_subscription(
        self, subscription_id: str, reason: str = "cancellation_requested"
    ) -> JSON:
        """Cancel now (as ``DELETE /v1/subscriptions/{id}`` or Stripe's dunning does, e.g.
        ``reason="payment_failed"``): status ``canceled``, ``customer.subscription.deleted``."""
        with self._lock:
            subscription = self.subscriptions[subscription_id]
            if subscription["status"] == "canceled":
                raise ValueError(f"subscription {subscription_id} is already canceled")
            self._cancel_subscription(subscription, reason)
            return copy.deepcopy(subscription)

    # ---------------------------------------------------------------- HTTP plumbing
    def handle(self, request: Request) -> Response:
        request_id = _new_id("req_", 14)
        raw = request.get_data(cache=True).decode("utf-8", errors="replace")
        if request.method in ("POST", "PUT", "PATCH") and request.mimetype == (
            "application/x-www-form-urlencoded"
        ):
            params = parse_stripe_form(raw)
        elif request.method in ("POST", "PUT", "PATCH"):
            params = {}
        else:
            params = parse_stripe_form(request.query_string.decode("latin-1"))
        recorded = self._record(request, params)

        auth_error = self._check_auth(request)
        if auth_error is not None:
            body = auth_error.body(request_id)
            return self._respond(recorded, request_id, auth_error.status, body)

        route, match = self._route(request.method, request.path)
        if route is None or match is None:
            error = StripeAPIError(
                404,
                f"Unrecognized request URL ({request.method}: {request.path}). Please see "
                "https://stripe.com/docs or we can help at https://support.stripe.com/.",
            )
            return self._respond(recorded, request_id, 404, error.body(request_id))

        key = request.headers.get("Idempotency-Key") if request.method == "POST" else None
        if key:
            early = self._idempotency_precheck(key, request, params, recorded, request_id)
            if early is not None:
                return early
        try:
            self._sleep(self._pop_delay())
            failure = self._pop_failure()
            if failure is not None:
                status, body = self._injected_failure_body(failure.status, request_id)
                if key and failure.options.get("idempotent"):
                    self._save_idempotent(key, request, params, status, body, request_id)
                return self._respond(recorded, request_id, status, body, key=key)
            try:
                with self._lock:
                    self._current_request = (request_id, key)
                    try:
                        status, body = self._dispatch(route, match, params)
                    finally:
                        self._current_request = None
            except StripeAPIError as error:
                status, body = error.status, error.body(request_id)
                if key and error.persist:
                    self._save_idempotent(key, request, params, status, body, request_id)
                return self._respond(recorded, request_id, status, body, key=key)
            if key:
                self._save_idempotent(key, request, params, status, body, request_id)
            return self._respond(recorded, request_id, status, body, key=key)
        finally:
            if key:
                with self._lock:
                    self._in_flight.discard(key)

    def _check_auth(self, request: Request) -> StripeAPIError | None:
        header = request.headers.get("Authorization", "")
        scheme, _, credential = header.partition(" ")
        if scheme.lower() == "basic" and request.authorization is not None:
            credential = request.authorization.username or ""
        elif scheme.lower() != "bearer":
            credential = ""
        credential = credential.strip()
        if not credential:
            return StripeAPIError(
                401,
                "You did not provide an API key. You need to provide your API key in the "
                "Authorization header, using Bearer auth (e.g. 'Authorization: Bearer "
                "YOUR_SECRET_KEY').",
            )
        valid = credential.startswith("sk_") and (
            self.api_key is None or hmac.compare_digest(credential, self.api_key)
        )
        if not valid:
            return StripeAPIError(
                401, f"Invalid API Key provided: {credential[:8]}{'*' * 12}{credential[-4:]}"
            )
        return None

    def _route(self, method: str, path: str) -> tuple[_Route | None, re.Match[str] | None]:
        for route in _ROUTES:
            if route.method != method:
                continue
            match = route.pattern.fullmatch(path)
            if match is not None:
                return route, match
        return None, None

    def _idempotency_precheck(
        self,
        key: str,
        request: Request,
        params: JSON,
        recorded: RecordedRequest,
        request_id: str,
    ) -> Response | None:
        with self._lock:
            if len(key) > 255:
                error = StripeAPIError(
                    400,
                    "Idempotency-Key must be at most 255 characters long.",
                    param="Idempotency-Key",
                )
                return self._respond(recorded, request_id, 400, error.body(request_id))
            if key in self._in_flight:
                error = StripeAPIError(
                    409,
                    "There is currently another in-progress request using this Stripe API key "
                    "and idempotency key. Please try again later.",
                    code="idempotency_key_in_use",
                )
                return self._respond(recorded, request_id, 409, error.body(request_id), key=key)
            saved = self._idempotency.get(key)
            if saved is None:
                self._in_flight.add(key)
                return None
            if saved.path != request.path or saved.method != request.method:
                error = StripeAPIError(
                    400,
                    "Keys for idempotent requests can only be used for the same endpoint they "
                    f"were first used for ('{saved.path}' vs '{request.path}'). Try using a key "
                    f"other than '{key}' if you meant to execute a different request.",
                    type_="idempotency_error",
                )
                return self._respond(recorded, request_id, 400, error.body(request_id), key=key)
            if saved.params != params:
                error = StripeAPIError(
                    400,
                    "Keys for idempotent requests can only be used with the same parameters they "
                    f"were first used with. Try using a key other than '{key}' if you meant to "
                    "execute a different request.",
                    type_="idempotency_error",
                )
                return self._respond(recorded, request_id, 400, error.body(request_id), key=key)
            recorded.replayed = True
            return self._respond(
                recorded,
                request_id,
                saved.status,
                copy.deepcopy(saved.body),
                key=key,
                extra_headers={
                    "Idempotent-Replayed": "true",
                    "Original-Request": saved.request_id,
                },
            )

    def _save_idempotent(
        self, key: str, request: Request, params: JSON, status: int, body: JSON, request_id: str
    ) -> None:
        with self._lock:
            self._idempotency[key] = _SavedIdempotentResponse(
                method=request.method,
                path=request.path,
                params=copy.deepcopy(params),
                status=status,
                body=copy.deepcopy(body),
                request_id=request_id,
            )

    @staticmethod
    def _injected_failure_body(status: int, request_id: str) -> tuple[int, JSON]:
        if status == 429:
            error = StripeAPIError(
                429,
                "Too many requests hit the API too quickly. We recommend an exponential backoff "
                "of your requests.",
                code="rate_limit",
            )
        else:
            error = StripeAPIError(
                status,
                "An unknown error occurred (injected by FakeStripe.fail_next).",
                type_="api_error",
            )
        return status, error.body(request_id)

    def _respond(
        self,
        recorded: RecordedRequest,
        request_id: str,
        status: int,
        body: JSON,
        *,
        key: str | None = None,
        extra_headers: dict[str, str] | None = None,
    ) -> Response:
        recorded.status = status
        recorded.response = body
        response = Response(json.dumps(body), status=status, mimetype="application/json")
        response.headers["Request-Id"] = request_id
        response.headers["Stripe-Version"] = API_VERSION
        if key:
            response.headers["Idempotency-Key"] = key
        for name, value in (extra_headers or {}).items():
            response.headers[name] = value
        return response

    def _dispatch(self, route: _Route, match: re.Match[str], params: JSON) -> tuple[int, JSON]:
        if route.params_cls is not None:
            self._validate_against_sdk_types(params, route.params_cls)
        status, body = route.handler(self, match, params)
        expand = params.get("expand")
        if expand is not None:
            if not isinstance(expand, list):
                raise StripeAPIError(400, "Invalid array", param="expand")
            body = self._expand(body, [str(e) for e in expand])
        return status, body

    @staticmethod
    def _validate_against_sdk_types(params: JSON, params_cls: type) -> None:
        required = [
            k
            for k in getattr(params_cls, "__required_keys__", ())
            if k in _typed_dict_fields(params_cls)
        ]
        for key in sorted(required):
            if key not in params:
                raise _missing(key)
        problem = _find_param_problem(params, params_cls, [])
        if problem is None:
            return
        if problem.kind == "unknown":
            raise StripeAPIError(
                400,
                f"Received unknown parameter: {problem.param}",
                code="parameter_unknown",
                param=problem.param,
            )
        if problem.kind == "integer":
            raise StripeAPIError(
                400,
                f"Invalid integer: {problem.value}",
                code="parameter_invalid_integer",
                param=problem.param,
            )
        if problem.kind == "boolean":
            raise StripeAPIError(400, f"Invalid boolean: {problem.value}", param=problem.param)
        allowed = list(problem.allowed)
        listed = ", ".join(allowed[:-1]) + f", or {allowed[-1]}" if len(allowed) > 1 else allowed[0]
        raise StripeAPIError(
            400, f"Invalid {problem.param}: must be one of {listed}", param=problem.param
        )

    def _expand(self, body: JSON, paths: list[str]) -> JSON:
        body = copy.deepcopy(body)
        for path in paths:
            self._expand_path(body, path.split("."), path)
        return body

    def _expand_path(self, obj: JSON, segments: list[str], full: str) -> None:
        head, *rest = segments
        if head not in obj:
            included = self._includable(obj, head)
            if included is _NOT_INCLUDABLE:
                # Stripe's wording for a property the object does not have (e.g. the
                # pre-basil ``invoice.payment_intent``).
                raise StripeAPIError(
                    400,
                    f"This property cannot be expanded because it doesn't exist: {head}.",
                    param="expand",
                )
            obj[head] = included
        value = obj[head]
        if isinstance(value, str):
            store = self._store_for_id(value)
            if store is None or value not in store:
                raise StripeAPIError(
                    400, f"This property cannot be expanded ({full}).", param="expand"
                )
            value = self._public(store[value])
            obj[head] = value
        if rest and isinstance(value, dict):
            self._expand_path(value, rest, full)
        elif rest and isinstance(value, list):
            for element in value:
                if isinstance(element, dict):
                    self._expand_path(element, rest, full)

    def _includable(self, obj: JSON, name: str) -> Any:
        """Properties Stripe leaves out unless expanded ("includable")."""
        if obj.get("object") == "invoice" and obj.get("id") in self.invoices:
            if name == "confirmation_secret":
                pi = self._invoice_payment_intent(str(obj["id"]))
                if pi is None:
                    return None
                return {"client_secret": pi["client_secret"], "type": "payment_intent"}
            if name == "payments":
                return self._invoice_payments_list(str(obj["id"]))
        return _NOT_INCLUDABLE

    def _store_for_id(self, obj_id: str) -> dict[str, JSON] | None:
        prefixes = {
            "pi_": self.payment_intents,
            "ch_": self.charges,
            "re_": self.refunds,
            "cs_": self.checkout_sessions,
            "dp_": self.disputes,
            "cus_": self.customers,
            "sub_": self.subscriptions,
            "si_": self.subscription_items,
            "in_": self.invoices,
            "ii_": self.invoice_items,
            "inpay_": self.invoice_payments,
        }
        for prefix, store in prefixes.items():
            if obj_id.startswith(prefix):
                return store
        if obj_id in self.prices:
            return self.prices
        return None

    # ---------------------------------------------------------------- validation helpers
    @staticmethod
    def _parse_int(params: JSON, name: str, *, required: bool) -> int | None:
        raw = params.get(name)
        if raw is None or raw == "":
            if required:
                raise _missing(name)
            return None
        if not isinstance(raw, str) or not re.fullmatch(r"-?\d+", raw):
            raise StripeAPIError(
                400, f"Invalid integer: {raw}", code="parameter_invalid_integer", param=name
            )
        return int(raw)

    @staticmethod
    def _parse_currency(params: JSON, name: str = "currency") -> str:
        raw = params.get(name)
        if raw is None or raw == "":
            raise _missing(name)
        currency = str(raw).lower()
        if currency not in STRIPE_CURRENCIES:
            raise StripeAPIError(
                400,
                f"Invalid currency: {raw}. Stripe currently supports these currencies: "
                + ", ".join(sorted(STRIPE_CURRENCIES)),
                param=name,
            )
        return currency

    @staticmethod
    def _check_charge_amount(amount: int, currency: str, param: str) -> None:
        if amount < 1:
            raise StripeAPIError(
                400,
                "This value must be greater than or equal to 1.",
                code="parameter_invalid_integer",
                param=param,
            )
        minimum = MINIMUM_CHARGE.get(currency)
        if minimum is not None and amount < minimum:
            raise StripeAPIError(
                400,
                f"Amount must be at least {_format_amount(minimum, currency)}",
                code="amount_too_small",
                param=param,
            )
        if amount > MAXIMUM_AMOUNT:
            raise StripeAPIError(
                400,
                f"Amount must be no more than {_format_amount(MAXIMUM_AMOUNT, currency)}",
                code="amount_too_large",
                param=param,
            )
        if currency == "isk" and amount % 100:
            raise StripeAPIError(
                400,
                "ISK amounts must be divisible by 100 (ISK is a zero-decimal currency "
                "represented with two decimals in the API).",
                code="invalid_charge_amount_no_decimal_compatible",
                param=param,
            )
        if currency in THREE_DECIMAL_CURRENCIES and amount % 10:
            raise StripeAPIError(
                400,
                f"Amounts in {currency} must end in 0 (rounded to 2 decimal places).",
                code="invalid_charge_amount",
                param=param,
            )

    @staticmethod
    def _check_metadata(params: JSON, name: str = "metadata") -> JSON:
        metadata = params.get(name)
        if metadata is None or metadata == "":
            return {}
        if not isinstance(metadata, dict):
            raise StripeAPIError(400, "Invalid object", param=name)
        if len(metadata) > 50:
            raise StripeAPIError(
                400, "Invalid metadata: metadata can have up to 50 keys.", param=name
            )
        for key, value in metadata.items():
            if not isinstance(value, str):
                raise StripeAPIError(400, "Invalid metadata value: must be a string", param=name)
            if len(key) > 40:
                raise StripeAPIError(
                    400,
                    f"Invalid metadata: metadata keys can have up to 40 characters, but the key "
                    f"'{key}' has {len(key)} characters.",
                    param=f"{name}[{key}]",
                )
            if len(value) > 500:
                raise StripeAPIError(
                    400,
                    f"Invalid metadata: metadata values can have up to 500 characters, but the "
                    f"value for key '{key}' has {len(value)} characters.",
                    param=f"{name}[{key}]",
                )
        return {k: v for k, v in metadata.items() if v != ""}

    # ---------------------------------------------------------------- object builders
    @staticmethod
    def _use_stripe_sdk_action() -> JSON:
        return {
            "type": "use_stripe_sdk",
            "use_stripe_sdk": {
                "type": "three_d_secure_redirect",
                "stripe_js": "https://hooks.stripe.com/redirect/authenticate/" + _new_id("src_"),
                "source": _new_id("src_"),
            },
        }

    def _new_payment_intent(
        self,
        *,
        amount: int,
        currency: str,
        metadata: JSON,
        payment_method_types: list[str] | None,
        capture_method: str,
        customer: str | None = None,
        description: str | None = None,
        receipt_email: str | None = None,
        payment_method: str | None = None,
    ) -> JSON:
        pi_id = _new_id("pi_")
        pi: JSON = {
            "id": pi_id,
            "object": "payment_intent",
            "amount": amount,
            "amount_capturable": 0,
            "amount_details": {"tip": {}},
            "amount_received": 0,
            "application": None,
            "application_fee_amount": None,
            "automatic_payment_methods": None
            if payment_method_types
            else {"allow_redirects": "always", "enabled": True},
            "canceled_at": None,
            "cancellation_reason": None,
            "capture_method": capture_method,
            "client_secret": f"{pi_id}_secret_{_new_id('', 25)}",
            "confirmation_method": "automatic",
            "created": int(time.time()),
            "currency": currency,
            "customer": customer,
            "description": description,
            "last_payment_error": None,
            "latest_charge": None,
            "livemode": False,
            "metadata": metadata,
            "next_action": None,
            "on_behalf_of": None,
            "payment_method": payment_method,
            "payment_method_options": {},
            "payment_method_types": payment_method_types or ["card"],
            "processing": None,
            "receipt_email": receipt_email,
            "review": None,
            "setup_future_usage": None,
            "shipping": None,
            "statement_descriptor": None,
            "statement_descriptor_suffix": None,
            "status": "requires_confirmation" if payment_method else "requires_payment_method",
            "transfer_data": None,
            "transfer_group": None,
        }
        self.payment_intents[pi_id] = pi
        return pi

    def _create_charge(
        self,
        pi: JSON,
        *,
        succeeded: bool,
        captured: bool = True,
        failure: JSON | None = None,
    ) -> JSON:
        charge_id = _new_id("ch_")
        amount = pi["amount"]
        captured = succeeded and captured
        charge: JSON = {
            "id": charge_id,
            "object": "charge",
            "amount": amount,
            "amount_captured": amount if captured else 0,
            "amount_refunded": 0,
            "balance_transaction": _new_id("txn_") if succeeded else None,
            "billing_details": {"address": None, "email": None, "name": None, "phone": None},
            "captured": captured,
            "created": int(time.time()),
            "currency": pi["currency"],
            "customer": pi["customer"],
            "description": pi["description"],
            "disputed": False,
            "failure_code": None,
            "failure_message": None,
            "livemode": False,
            "metadata": {},
            "outcome": {
                "network_status": "approved_by_network",
                "reason": None,
                "risk_level": "normal",
                "seller_message": "Payment complete.",
                "type": "authorized",
            },
            "paid": succeeded,
            "payment_intent": pi["id"],
            "payment_method": pi["payment_method"],
            "receipt_url": f"https://pay.stripe.com/receipts/payment/{_new_id('', 40)}",
            "refunded": False,
            "status": "succeeded" if succeeded else "failed",
        }
        if failure is not None:
            charge.update(
                failure_code=failure["code"],
                failure_message=failure["message"],
                outcome={
                    "network_status": "declined_by_network",
                    "reason": failure["decline_code"],
                    "risk_level": "normal",
                    "seller_message": "The bank did not return any further details with this "
                    "decline.",
                    "type": "issuer_declined",
                },
            )
        self.charges[charge_id] = charge
        return charge

    def _decline(self, pi: JSON, decline_code: str, *, code: str, message: str) -> JSON:
        pi["payment_method"] = pi["payment_method"] or _new_id("pm_")
        failure = {"code": code, "decline_code": decline_code, "message": message}
        charge = self._create_charge(pi, succeeded=False, failure=failure)
        error: JSON = {
            "charge": charge["id"],
            "code": code,
            "decline_code": decline_code,
            "doc_url": f"https://stripe.com/docs/error-codes/{code.replace('_', '-')}",
            "message": message,
            "payment_method": {"id": pi["payment_method"], "object": "payment_method"},
            "type": "card_error",
        }
        pi.update(
            status="requires_payment_method",
            last_payment_error=error,
            latest_charge=charge["id"],
            next_action=None,
        )
        return error

    def _checkout_payment_intent(self, session: JSON) -> JSON:
        pi_data = session["_payment_intent_data"]
        return self._new_payment_intent(
            amount=session["amount_total"],
            currency=session["currency"],
            metadata=dict(pi_data.get("metadata") or {}),
            payment_method_types=list(session["payment_method_types"]),
            capture_method=str(pi_data.get("capture_method") or "automatic_async"),
            customer=session["customer"],
            description=pi_data.get("description"),
            receipt_email=pi_data.get("receipt_email"),
        )

    def _expire(self, session: JSON) -> None:
        session.update(status="expired", url=None)
        pi_id = session["payment_intent"]
        if pi_id and self.payment_intents[pi_id]["status"] in _CANCELABLE_PI_STATUSES:
            self.payment_intents[pi_id].update(
                status="canceled", canceled_at=int(time.time()), cancellation_reason="abandoned"
            )

    @staticmethod
    def _public(obj: JSON) -> JSON:
        """Copy of a stored object without the fake's private ``_`` bookkeeping keys."""
        return {k: copy.deepcopy(v) for k, v in obj.items() if not k.startswith("_")}

    # ---------------------------------------------------------------- endpoint handlers
    def _h_create_payment_intent(self, _m: re.Match[str], params: JSON) -> tuple[int, JSON]:
        currency = self._parse_currency(params)
        amount = self._parse_int(params, "amount", required=True)
        assert amount is not None
        self._check_charge_amount(amount, currency, "amount")
        metadata = self._check_metadata(params)
        apm = params.get("automatic_payment_methods")
        pmt = params.get("payment_method_types")
        if isinstance(apm, dict) and apm.get("enabled") == "true" and pmt:
            raise StripeAPIError(
                400,
                "You may only specify one of these parameters: automatic_payment_methods, "
                "payment_method_types.",
                code="parameters_exclusive",
                param="automatic_payment_methods",
            )
        confirm = params.get("confirm") == "true"
        if params.get("return_url") and not confirm:
            raise StripeAPIError(
                400,
                "You can only pass `return_url` if `confirm` is set to true.",
                param="return_url",
            )
        payment_method = params.get("payment_method") or None
        if confirm and not payment_method:
            raise StripeAPIError(
                400,
                "You cannot confirm this PaymentIntent because it's missing a payment method. "
                "To confirm the PaymentIntent with a payment method, pass `payment_method`.",
                code="payment_intent_unexpected_state",
            )
        pi = self._new_payment_intent(
            amount=amount,
            currency=currency,
            metadata=metadata,
            payment_method_types=[str(x) for x in pmt] if isinstance(pmt, list) else None,
            capture_method=str(params.get("capture_method") or "automatic_async"),
            customer=params.get("customer"),
            description=params.get("description"),
            receipt_email=params.get("receipt_email"),
            payment_method=payment_method,
        )
        if confirm:
            assert payment_method is not None
            self._confirm(pi, payment_method)
        return 200, self._public(pi)

    def _confirm(self, pi: JSON, payment_method: str) -> None:
        if payment_method in _DECLINING_PAYMENT_METHODS:
            error = self._decline(
                pi,
                _DECLINING_PAYMENT_METHODS[payment_method],
                code="card_declined",
                message="Your card was declined.",
            )
            raise StripeAPIError(
                402,
                error["message"],
                type_="card_error",
                code=error["code"],
                decline_code=error["decline_code"],
                persist=True,
                extra={"charge": error["charge"], "payment_intent": self._public(pi)},
            )
        if payment_method in _ACTION_PAYMENT_METHODS:
            pi.update(status="requires_action", next_action=self._use_stripe_sdk_action())
            return
        if pi["capture_method"] == "manual":
            charge = self._create_charge(pi, succeeded=True, captured=False)
            pi.update(
                status="requires_capture",
                amount_capturable=pi["amount"],
                latest_charge=charge["id"],
            )
            return
        self.succeed_payment_intent(pi["id"])

    def _h_get_payment_intent(self, m: re.Match[str], _params: JSON) -> tuple[int, JSON]:
        pi = self.payment_intents.get(m["id"])
        if pi is None:
            raise _no_such("payment_intent", m["id"], "intent")
        return 200, self._public(pi)

    def _h_cancel_payment_intent(self, m: re.Match[str], params: JSON) -> tuple[int, JSON]:
        pi = self.payment_intents.get(m["id"])
        if pi is None:
            raise _no_such("payment_intent", m["id"], "intent")
        if pi["status"] not in _CANCELABLE_PI_STATUSES:
            raise StripeAPIError(
                400,
                f"You cannot cancel this PaymentIntent because it has a status of {pi['status']}. "
                "Only a PaymentIntent with one of the following statuses may be canceled: "
                + ", ".join(_CANCELABLE_PI_STATUSES)
                + ".",
                code="payment_intent_unexpected_state",
                extra={"payment_intent": self._public(pi)},
            )
        pi.update(
            status="canceled",
            canceled_at=int(time.time()),
            cancellation_reason=params.get("cancellation_reason"),
            next_action=None,
        )
        return 200, self._public(pi)

    def _line_items_total(self, mode: str, params: JSON) -> tuple[int, str | None]:
        line_items = params.get("line_items")
        if mode in ("payment", "subscription") and not line_items:
            raise _missing("line_items")
        if not line_items:
            return 0, None
        if not isinstance(line_items, list):
            raise StripeAPIError(400, "Invalid array", param="line_items")
        if mode == "payment" and len(line_items) > 100:
            raise StripeAPIError(
                400, "You may only specify up to 100 line items.", param="line_items"
            )
        total = 0
        currencies: set[str] = set()
        recurring_seen = False
        for index, item in enumerate(line_items):
            prefix = f"line_items[{index}]"
            if not isinstance(item, dict):
                raise StripeAPIError(400, "Invalid object", param=prefix)
            quantity = self._parse_int(item, "quantity", required=False)
            if quantity is None:
                raise _missing(f"{prefix}[quantity]")
            if quantity < 1:
                raise StripeAPIError(
                    400,
                    "This value must be greater than or equal to 1.",
                    code="parameter_invalid_integer",
                    param=f"{prefix}[quantity]",
                )
            price_id, price_data = item.get("price"), item.get("price_data")
            if price_id and price_data:
                raise StripeAPIError(
                    400,
                    "You may only specify one of these parameters: price, price_data.",
                    code="parameters_exclusive",
                    param=f"{prefix}[price]",
                )
            if price_id:
                price = self.prices.get(price_id)
                if price is None:
                    raise _no_such("price", price_id, f"{prefix}[price]", status=400)
                unit_amount, currency = int(price["unit_amount"]), str(price["currency"])
                recurring = price["recurring"] is not None
            elif isinstance(price_data, dict):
                currency = self._parse_currency(price_data)
                if not price_data.get("product") and not price_data.get("product_data"):
                    raise StripeAPIError(
                        400,
                        "You must specify either `product` or `product_data` when creating a "
                        "price.",
                        param=f"{prefix}[price_data][product_data]",
                    )
                product_data = price_data.get("product_data")
                if isinstance(product_data, dict) and not product_data.get("name"):
                    raise _missing(f"{prefix}[price_data][product_data][name]")
                unit = self._parse_int(price_data, "unit_amount", required=False)
                if unit is None:
                    decimal = price_data.get("unit_amount_decimal")
                    if decimal is None:
                        raise _missing(f"{prefix}[price_data][unit_amount]")
                    unit = round(float(decimal))
                if unit < 0:
                    raise StripeAPIError(
                        400,
                        "This value must be greater than or equal to 0.",
                        code="parameter_invalid_integer",
                        param=f"{prefix}[price_data][unit_amount]",
                    )
                unit_amount = unit
                recurring = isinstance(price_data.get("recurring"), dict)
            else:
                raise StripeAPIError(
                    400,
                    "You must specify either `price` or `price_data` in each line item.",
                    param=f"{prefix}[price]",
                )
            if recurring and mode == "payment":
                raise StripeAPIError(
                    400,
                    "You specified `payment` mode but passed a recurring price. Either switch to "
                    "`subscription` mode or use only one-time prices.",
                    param=f"{prefix}[price_data][recurring]",
                )
            recurring_seen = recurring_seen or recurring
            currencies.add(currency)
            total += unit_amount * quantity
        if mode == "subscription" and not recurring_seen:
            raise StripeAPIError(
                400,
                "You must provide at least one recurring price in `subscription` mode when using "
                "prices.",
                param="line_items",
            )
        if len(currencies) > 1:
            raise StripeAPIError(
                400, "All line items must use the same currency.", param="line_items"
            )
        return total, next(iter(currencies), None)

    def _h_create_checkout_session(self, _m: re.Match[str], params: JSON) -> tuple[int, JSON]:
        mode = params.get("mode")
        if not mode:
            raise _missing("mode")
        mode = str(mode)
        now = int(time.time())
        expires_at = self._parse_int(params, "expires_at", required=False)
        if expires_at is not None:
            if expires_at < now + 30 * 60:
                raise StripeAPIError(
                    400,
                    "The `expires_at` timestamp must be at least 30 minutes from Checkout "
                    "Session creation.",
                    param="expires_at",
                )
            if expires_at > now + 24 * 3600:
                raise StripeAPIError(
                    400,
                    "The `expires_at` timestamp must be less than 24 hours from Checkout Session "
                    "creation.",
                    param="expires_at",
                )
        total, currency = self._line_items_total(mode, params)
        if mode == "payment" and currency is not None:
            self._check_charge_amount(total, currency, "line_items")
        metadata = self._check_metadata(params)
        pi_data = params.get("payment_intent_data")
        if pi_data is not None and mode != "payment":
            raise StripeAPIError(
                400,
                "You can only specify `payment_intent_data` in `payment` mode.",
                param="payment_intent_data",
            )
        pi_data = pi_data if isinstance(pi_data, dict) else {}
        pi_data = {**pi_data, "metadata": self._check_metadata(pi_data)}
        ui_mode = str(params.get("ui_mode") or "hosted_page")
        session_id = _new_id("cs_test_", 58)
        hosted = ui_mode in ("hosted_page", "hosted")
        pmt = params.get("payment_method_types")
        session: JSON = {
            "id": session_id,
            "object": "checkout.session",
            "after_expiration": None,
            "allow_promotion_codes": params.get("allow_promotion_codes") == "true" or None,
            "amount_subtotal": total if mode != "setup" else None,
            "amount_total": total if mode != "setup" else None,
            "automatic_tax": {"enabled": False, "liability": None, "status": None},
            "billing_address_collection": None,
            "cancel_url": params.get("cancel_url"),
            "client_reference_id": params.get("client_reference_id"),
            "client_secret": None if hosted else f"{session_id}_secret_{_new_id('', 24)}",
            "created": now,
            "currency": currency,
            "customer": params.get("customer"),
            "customer_creation": params.get("customer_creation", "if_required"),
            "customer_details": None,
            "customer_email": params.get("customer_email"),
            "expires_at": expires_at if expires_at is not None else now + 24 * 3600,
            "invoice": None,
            "livemode": False,
            "locale": params.get("locale"),
            "metadata": metadata,
            "mode": mode,
            "payment_intent": None,
            "payment_link": None,
            "payment_method_types": [str(x) for x in pmt] if isinstance(pmt, list) else ["card"],
            "payment_status": "no_payment_required" if mode == "setup" else "unpaid",
            "return_url": params.get("return_url"),
            "setup_intent": None,
            "status": "open",
            "submit_type": params.get("submit_type"),
            "subscription": None,
            "success_url": params.get("success_url"),
            "ui_mode": ui_mode,
            "url": f"https://checkout.stripe.com/c/pay/{session_id}" if hosted else None,
            "_payment_intent_data": pi_data,
        }
        self.checkout_sessions[session_id] = session
        if mode == "payment" and self.checkout_creates_payment_intent:
            session["payment_intent"] = self._checkout_payment_intent(session)["id"]
        return 200, self._public(session)

    def _h_get_checkout_session(self, m: re.Match[str], _params: JSON) -> tuple[int, JSON]:
        session = self.checkout_sessions.get(m["id"])
        if session is None:
            raise _no_such("checkout.session", m["id"], "session")
        return 200, self._public(session)

    def _h_expire_checkout_session(self, m: re.Match[str], _params: JSON) -> tuple[int, JSON]:
        session = self.checkout_sessions.get(m["id"])
        if session is None:
            raise _no_such("checkout.session", m["id"], "session")
        if session["status"] != "open":
            raise StripeAPIError(
                400,
                'Only Checkout Sessions with a status in ["open"] can be expired.',
                param="session",
            )
        self._expire(session)
        return 200, self._public(session)

    def _h_create_refund(self, _m: re.Match[str], params: JSON) -> tuple[int, JSON]:
        charge_id, pi_id = params.get("charge"), params.get("payment_intent")
        if not charge_id and not pi_id:
            raise StripeAPIError(
                400,
                "One of the following params should be provided for this request: charge or "
                "payment_intent.",
                code="parameter_missing",
                param="payment_intent",
            )
        if pi_id:
            pi = self.payment_intents.get(pi_id)
            if pi is None:
                raise _no_such("payment_intent", pi_id, "payment_intent", status=400)
            latest = self.charges.get(pi["latest_charge"] or "")
            if pi["status"] != "succeeded" or latest is None or latest["status"] != "succeeded":
                raise StripeAPIError(
                    400,
                    f"This PaymentIntent ({pi_id}) does not have a successful charge to refund.",
                    param="payment_intent",
                )
            if charge_id and charge_id != latest["id"]:
                raise StripeAPIError(
                    400,
                    f"Charge {charge_id} does not belong to PaymentIntent {pi_id}.",
                    param="charge",
                )
            charge = latest
        else:
            found = self.charges.get(str(charge_id))
            if found is None:
                raise _no_such("charge", str(charge_id), "charge", status=400)
            charge = found
        if charge["disputed"]:
            raise StripeAPIError(
                400,
                f"Charge {charge['id']} has been charged back; cannot issue a refund.",
                code="charge_disputed",
                param="charge",
            )
        remaining = charge["amount_captured"] - charge["amount_refunded"]
        if remaining <= 0:
            raise StripeAPIError(
                400,
                f"Charge {charge['id']} has already been refunded.",
                code="charge_already_refunded",
                param="charge",
            )
        amount = self._parse_int(params, "amount", required=False)
        if amount is None:
            amount = remaining
        if amount < 1:
            raise StripeAPIError(
                400,
                "This value must be greater than or equal to 1.",
                code="parameter_invalid_integer",
                param="amount",
            )
        if amount > remaining:
            currency = charge["currency"]
            raise StripeAPIError(
                400,
                f"Refund amount ({_format_amount(amount, currency)}) is greater than unrefunded "
                f"amount on charge ({_format_amount(remaining, currency)})",
                code="amount_too_large",
                param="amount",
            )
        metadata = self._check_metadata(params)
        refund: JSON = {
            "id": _new_id("re_"),
            "object": "refund",
            "amount": amount,
            "balance_transaction": _new_id("txn_"),
            "charge": charge["id"],
            "created": int(time.time()),
            "currency": charge["currency"],
            "destination_details": {"card": {"type": "refund"}, "type": "card"},
            "metadata": metadata,
            "payment_intent": charge["payment_intent"],
            "reason": params.get("reason"),
            "receipt_number": None,
            "source_transfer_reversal": None,
            "status": "succeeded",
            "transfer_reversal": None,
        }
        self.refunds[refund["id"]] = refund
        charge["amount_refunded"] += amount
        charge["refunded"] = charge["amount_refunded"] >= charge["amount_captured"]
        return 200, self._public(refund)

    def _h_get_refund(self, m: re.Match[str], _params: JSON) -> tuple[int, JSON]:
        refund = self.refunds.get(m["id"])
        if refund is None:
            raise _no_such("refund", m["id"], "id")
        return 200, self._public(refund)

    def _h_get_charge(self, m: re.Match[str], _params: JSON) -> tuple[int, JSON]:
        charge = self.charges.get(m["id"])
        if charge is None:
            raise _no_such("charge", m["id"], "id")
        return 200, self._public(charge)

    # ---------------------------------------------------------------- billing builders
    @staticmethod
    def _merge_metadata(current: JSON, params: JSON) -> JSON:
        """Stripe's update semantics: keys merge, ``""`` unsets a key, ``metadata=""`` all."""
        raw = params.get("metadata")
        if raw is None:
            return current
        if raw == "":
            return {}
        FakeStripe._check_metadata(params)
        merged = dict(current)
        for key, value in raw.items():
            if value == "":
                merged.pop(key, None)
            else:
                merged[key] = value
        if len(merged) > 50:
            raise StripeAPIError(
                400, "Invalid metadata: metadata can have up to 50 keys.", param="metadata"
            )
        return merged

    def _customer_param(self, params: JSON) -> JSON:
        customer_id = params.get("customer")
        if not customer_id:
            raise _missing("customer")
        customer = self.customers.get(str(customer_id))
        if customer is None:
            raise _no_such("customer", str(customer_id), "customer", status=400)
        return customer

    def _invoice_payment_intent(self, invoice_id: str) -> JSON | None:
        for payment in self.invoice_payments.values():
            if payment["invoice"] == invoice_id and payment["is_default"]:
                return self.payment_intents.get(payment["payment"]["payment_intent"])
        return None

    def _invoice_payments_list(self, invoice_id: str) -> JSON:
        data = [
            self._public(p) for p in self.invoice_payments.values() if p["invoice"] == invoice_id
        ]
        return {
            "object": "list",
            "data": data,
            "has_more": False,
            "total_count": len(data),
            "url": f"/v1/invoice_payments?invoice={invoice_id}",
        }

    def _invoice_subscription(self, invoice: JSON) -> JSON | None:
        parent = invoice.get("parent") or {}
        details = parent.get("subscription_details") or {}
        return self.subscriptions.get(details.get("subscription") or "")

    @staticmethod
    def _running_status(subscription: JSON) -> str:
        trial_end = subscription["trial_end"]
        return "trialing" if trial_end is not None and trial_end > time.time() else "active"

    def _set_subscription_status(self, subscription: JSON, status: str) -> None:
        previous = {"status": subscription["status"]}
        subscription["status"] = status
        self._emit("customer.subscription.updated", subscription, previous)

    def _cancel_subscription(self, subscription: JSON, reason: str, **details: Any) -> None:
        now = int(time.time())
        previous = {
            "status": subscription["status"],
            "canceled_at": subscription["canceled_at"],
            "ended_at": subscription["ended_at"],
            "cancellation_details": copy.deepcopy(subscription["cancellation_details"]),
        }
        subscription.update(
            status="canceled",
            canceled_at=subscription["canceled_at"] or now,
            ended_at=now,
            cancellation_details={
                "comment": details.get("comment"),
                "feedback": details.get("feedback"),
                "reason": reason,
            },
        )
        self._emit("customer.subscription.deleted", subscription, previous)

    def _new_invoice(
        self,
        customer: JSON,
        currency: str,
        *,
        collection_method: str,
        days_until_due: int | None,
        auto_advance: bool,
        billing_reason: str,
        metadata: JSON,
        description: str | None = None,
        subscription: JSON | None = None,
    ) -> JSON:
        now = int(time.time())
        invoice_id = _new_id("in_")
        invoice: JSON = {
            "id": invoice_id,
            "object": "invoice",
            "account_country": "US",
            "account_name": "FakeStripe test account",
            "account_tax_ids": None,
            "amount_due": 0,
            "amount_overpaid": 0,
            "amount_paid": 0,
            "amount_remaining": 0,
            "amount_shipping": 0,
            "application": None,
            "attempt_count": 0,
            "attempted": False,
            "auto_advance": auto_advance,
            "automatic_tax": {
                "disabled_reason": None,
                "enabled": False,
                "liability": None,
                "provider": None,
                "status": None,
            },
            "automatically_finalizes_at": now + 3600 if auto_advance else None,
            "billing_reason": billing_reason,
            "collection_method": collection_method,
            "created": now,
            "currency": currency,
            "custom_fields": None,
            "customer": customer["id"],
            "customer_account": None,
            "customer_address": customer["address"],
            "customer_email": customer["email"],
            "customer_name": customer["name"],
            "customer_phone": customer["phone"],
            "customer_shipping": None,
            "customer_tax_exempt": customer["tax_exempt"],
            "customer_tax_ids": [],
            "default_payment_method": None,
            "default_source": None,
            "default_tax_rates": [],
            "description": description,
            "discounts": [],
            "due_date": now + days_until_due * 86400 if days_until_due is not None else None,
            "effective_at": None,
            "ending_balance": None,
            "footer": None,
            "from_invoice": None,
            "hosted_invoice_url": None,
            "invoice_pdf": None,
            "issuer": {"type": "self"},
            "last_finalization_error": None,
            "latest_revision": None,
            "lines": {
                "object": "list",
                "data": [],
                "has_more": False,
                "total_count": 0,
                "url": f"/v1/invoices/{invoice_id}/lines",
            },
            "livemode": False,
            "metadata": metadata,
            "next_payment_attempt": None,
            "number": None,
            "on_behalf_of": None,
            "parent": None
            if subscription is None
            else {
                "quote_details": None,
                "subscription_details": {
                    "metadata": dict(subscription["metadata"]),
                    "subscription": subscription["id"],
                },
                "type": "subscription_details",
            },
            "payment_settings": {
                "default_mandate": None,
                "payment_method_options": None,
                "payment_method_types": None,
            },
            "period_end": now,
            "period_start": now,
            "post_payment_credit_notes_amount": 0,
            "pre_payment_credit_notes_amount": 0,
            "receipt_number": None,
            "rendering": None,
            "shipping_cost": None,
            "shipping_details": None,
            "starting_balance": 0,
            "statement_descriptor": None,
            "status": "draft",
            "status_transitions": {
                "finalized_at": None,
                "marked_uncollectible_at": None,
                "paid_at": None,
                "voided_at": None,
            },
            "subtotal": 0,
            "subtotal_excluding_tax": 0,
            "test_clock": None,
            "threshold_reason": None,
            "total": 0,
            "total_discount_amounts": [],
            "total_excluding_tax": 0,
            "total_pretax_credit_amounts": [],
            "total_taxes": [],
            "webhooks_delivered_at": None,
        }
        if customer["currency"] is None:
            customer["currency"] = currency
        self.invoices[invoice_id] = invoice
        return invoice

    def _add_line(self, invoice: JSON, line: JSON) -> None:
        lines = invoice["lines"]
        lines["data"].append(line)
        lines["total_count"] = len(lines["data"])
        total = sum(int(item["amount"]) for item in lines["data"])
        invoice.update(
            subtotal=total,
            subtotal_excluding_tax=total,
            total=total,
            total_excluding_tax=total,
            amount_due=total,
            amount_remaining=total,
        )

    def _attach_invoice_item(self, invoice: JSON, item: JSON) -> None:
        item["invoice"] = invoice["id"]
        self._add_line(
            invoice,
            {
                "id": _new_id("il_"),
                "object": "line_item",
                "amount": item["amount"],
                "currency": item["currency"],
                "description": item["description"],
                "discount_amounts": [],
                "discountable": item["discountable"],
                "discounts": [],
                "invoice": invoice["id"],
                "livemode": False,
                "metadata": dict(item["metadata"]),
                "parent": {
                    "invoice_item_details": {
                        "invoice_item": item["id"],
                        "proration": False,
                        "proration_details": {"credited_items": None},
                        "subscription": None,
                    },
                    "subscription_item_details": None,
                    "type": "invoice_item_details",
                },
                "period": dict(item["period"]),
                "pretax_credit_amounts": [],
                "pricing": copy.deepcopy(item["pricing"]),
                "quantity": item["quantity"],
                "subscription": None,
                "subtotal": item["amount"],
                "taxes": [],
            },
        )

    def _subscription_invoice(self, subscription: JSON, billing_reason: str) -> JSON:
        customer = self.customers[subscription["customer"]]
        invoice = self._new_invoice(
            customer,
            subscription["currency"],
            collection_method=subscription["collection_method"],
            days_until_due=subscription["days_until_due"],
            auto_advance=True,
            billing_reason=billing_reason,
            metadata={},
            subscription=subscription,
        )
        trialing = subscription["status"] == "trialing"
        for item in subscription["items"]["data"]:
            price = item["price"]
            unit = 0 if trialing else int(price["unit_amount"])
            name = price["nickname"] or price["product"]
            recurring = price["recurring"]
            every = (
                recurring["interval"]
                if recurring["interval_count"] == 1
                else (f"{recurring['interval_count']} {recurring['interval']}s")
            )
            self._add_line(
                invoice,
                {
                    "id": _new_id("il_"),
                    "object": "line_item",
                    "amount": unit * int(item["quantity"]),
                    "currency": price["currency"],
                    "description": f"Trial period for {name}"
                    if trialing
                    else f"{item['quantity']} \u00d7 {name} (at "
                    f"{_format_amount(int(price['unit_amount']), price['currency'])} / {every})",
                    "discount_amounts": [],
                    "discountable": True,
                    "discounts": [],
                    "invoice": invoice["id"],
                    "livemode": False,
                    "metadata": dict(subscription["metadata"]),
                    "parent": {
                        "invoice_item_details": None,
                        "subscription_item_details": {
                            "invoice_item": None,
                            "proration": False,
                            "proration_details": {"credited_items": None},
                            "subscription": subscription["id"],
                            "subscription_item": item["id"],
                        },
                        "type": "subscription_item_details",
                    },
                    "period": {
                        "end": item["current_period_end"],
                        "start": item["current_period_start"],
                    },
                    "pretax_credit_amounts": [],
                    "pricing": {
                        "price_details": {"price": price["id"], "product": price["product"]},
                        "type": "price_details",
                        "unit_amount_decimal": str(unit),
                    },
                    "quantity": item["quantity"],
                    "subscription": subscription["id"],
                    "subtotal": unit * int(item["quantity"]),
                    "taxes": [],
                },
            )
        subscription["latest_invoice"] = invoice["id"]
        return invoice

    def _finalize(self, invoice: JSON) -> None:
        """draft -> open: number, hosted page, a default InvoicePayment with its
        PaymentIntent; a $0 invoice is paid on the spot. Emits ``invoice.finalized``."""
        now = int(time.time())
        customer = self.customers[invoice["customer"]]
        sequence = customer["next_invoice_sequence"]
        customer["next_invoice_sequence"] = sequence + 1
        secret = _new_id("", 32)
        invoice.update(
            status="open",
            number=f"{customer['invoice_prefix']}-{sequence:04d}",
            effective_at=now,
            automatically_finalizes_at=None,
            hosted_invoice_url=f"https://invoice.stripe.com/i/acct_fake/test_{secret}?s=ap",
            invoice_pdf=f"https://pay.stripe.com/invoice/acct_fake/test_{secret}/pdf?s=ap",
            ending_balance=0,
        )
        invoice["status_transitions"]["finalized_at"] = now
        if invoice["collection_method"] == "send_invoice" and invoice["due_date"] is None:
            invoice["due_date"] = now + 30 * 86400
        if invoice["amount_due"] > 0:
            reason = invoice["billing_reason"]
            pi = self._new_payment_intent(
                amount=invoice["amount_due"],
                currency=invoice["currency"],
                metadata={},
                payment_method_types=["card"],
                capture_method="automatic",
                customer=invoice["customer"],
                description="Subscription creation"
                if reason == "subscription_create"
                else "Subscription update"
                if reason == "subscription_cycle"
                else None,
            )
            payment_id = _new_id("inpay_")
            self.invoice_payments[payment_id] = {
                "id": payment_id,
                "object": "invoice_payment",
                "amount_paid": None,
                "amount_requested": invoice["amount_due"],
                "created": now,
                "currency": invoice["currency"],
                "invoice": invoice["id"],
                "is_default": True,
                "livemode": False,
                "payment": {"payment_intent": pi["id"], "type": "payment_intent"},
                "status": "open",
                "status_transitions": {"canceled_at": None, "paid_at": None},
            }
        self._emit("invoice.finalized", invoice)
        if invoice["amount_due"] == 0:
            self._settle_invoice(invoice)

    def _settle_invoice(self, invoice: JSON) -> None:
        now = int(time.time())
        charged = invoice["amount_due"] > 0
        invoice.update(
            status="paid",
            amount_paid=invoice["amount_due"],
            amount_remaining=0,
            attempted=True,
            attempt_count=invoice["attempt_count"] + (1 if charged else 0),
            next_payment_attempt=None,
        )
        invoice["status_transitions"]["paid_at"] = now
        for payment in self.invoice_payments.values():
            if payment["invoice"] == invoice["id"] and payment["is_default"]:
                payment.update(status="paid", amount_paid=payment["amount_requested"])
                payment["status_transitions"]["paid_at"] = now
        self._emit("invoice.paid", invoice)
        self._emit("invoice.payment_succeeded", invoice)

    # ---------------------------------------------------------------- billing handlers
    _CUSTOMER_FIELDS = ("name", "email", "description", "phone")

    def _h_create_customer(self, _m: re.Match[str], params: JSON) -> tuple[int, JSON]:
        _not_modelled(
            params,
            frozenset({*self._CUSTOMER_FIELDS, "metadata", "expand", "invoice_settings"}),
        )
        email = params.get("email")
        if email and len(str(email)) > 512:
            raise StripeAPIError(400, "Invalid email address: too long", param="email")
        metadata = self._check_metadata(params)
        settings = params.get("invoice_settings")
        settings = settings if isinstance(settings, dict) else {}
        customer_id = _new_id("cus_", 14)
        customer: JSON = {
            "id": customer_id,
            "object": "customer",
            "address": None,
            "balance": 0,
            "business_name": None,
            "created": int(time.time()),
            "currency": None,
            "customer_account": None,
            "default_source": None,
            "delinquent": False,
            "description": params.get("description") or None,
            "discount": None,
            "email": email or None,
            "individual_name": None,
            "invoice_prefix": "".join(
                secrets.choice(string.ascii_uppercase + string.digits) for _ in range(8)
            ),
            "invoice_settings": {
                "custom_fields": None,
                "default_payment_method": settings.get("default_payment_method") or None,
                "footer": None,
                "rendering_options": None,
            },
            "livemode": False,
            "metadata": metadata,
            "name": params.get("name") or None,
            "next_invoice_sequence": 1,
            "phone": params.get("phone") or None,
            "preferred_locales": [],
            "shipping": None,
            "tax_exempt": "none",
            "test_clock": None,
        }
        self.customers[customer_id] = customer
        self._emit("customer.created", customer)
        return 200, self._public(customer)

    def _h_get_customer(self, m: re.Match[str], _params: JSON) -> tuple[int, JSON]:
        customer = self.customers.get(m["id"])
        if customer is None:
            raise _no_such("customer", m["id"], "id")
        return 200, self._public(customer)

    def _h_update_customer(self, m: re.Match[str], params: JSON) -> tuple[int, JSON]:
        customer = self.customers.get(m["id"])
        if customer is None:
            raise _no_such("customer", m["id"], "id")
        _not_modelled(
            params,
            frozenset({*self._CUSTOMER_FIELDS, "metadata", "expand", "invoice_settings"}),
        )
        updates: JSON = {k: params[k] or None for k in self._CUSTOMER_FIELDS if k in params}
        if "metadata" in params:
            updates["metadata"] = self._merge_metadata(customer["metadata"], params)
        settings = params.get("invoice_settings")
        if isinstance(settings, dict) and "default_payment_method" in settings:
            updates["invoice_settings"] = {
                **customer["invoice_settings"],
                "default_payment_method": settings["default_payment_method"] or None,
            }
        previous = {k: copy.deepcopy(customer[k]) for k, v in updates.items() if customer[k] != v}
        customer.update(updates)
        if previous:
            self._emit("customer.updated", customer, previous)
        return 200, self._public(customer)

    def _h_get_price(self, m: re.Match[str], _params: JSON) -> tuple[int, JSON]:
        price = self.prices.get(m["id"])
        if price is None:
            raise _no_such("price", m["id"], "id")
        return 200, self._public(price)

    _SUBSCRIPTION_CREATE_FIELDS = frozenset(
        {
            "customer",
            "items",
            "payment_behavior",
            "expand",
            "metadata",
            "collection_method",
            "days_until_due",
            "trial_period_days",
            "default_payment_method",
            "description",
            "off_session",
            "proration_behavior",
        }
    )

    def _subscription_items(self, params: JSON) -> list[tuple[JSON, int, JSON]]:
        items = params.get("items")
        if not items:
            raise _missing("items")
        if not isinstance(items, list):
            raise StripeAPIError(400, "Invalid array", param="items")
        if len(items) > 20:
            raise StripeAPIError(400, "You may only specify up to 20 items.", param="items")
        resolved: list[tuple[JSON, int, JSON]] = []
        for index, item in enumerate(items):
            prefix = f"items[{index}]"
            if not isinstance(item, dict):
                raise StripeAPIError(400, "Invalid object", param=prefix)
            _not_modelled(item, frozenset({"price", "quantity", "metadata"}))
            price_id = item.get("price")
            if not price_id:
                raise _missing(f"{prefix}[price]")
            price = self.prices.get(str(price_id))
            if price is None:
                raise _no_such("price", str(price_id), f"{prefix}[price]", status=400)
            if price["recurring"] is None:
                raise StripeAPIError(
                    400,
                    "The price specified is set to `type=one_time` but this field only accepts "
                    "prices with `type=recurring`.",
                    param=f"{prefix}[price]",
                )
            quantity = self._parse_int(item, "quantity", required=False)
            quantity = 1 if quantity is None else quantity
            if quantity < 0:
                raise StripeAPIError(
                    400,
                    "This value must be greater than or equal to 0.",
                    code="parameter_invalid_integer",
                    param=f"{prefix}[quantity]",
                )
            resolved.append((price, quantity, self._check_metadata(item)))
        if len({price["currency"] for price, _, _ in resolved}) > 1:
            raise StripeAPIError(
                400,
                "Currency mismatch: all prices on a subscription must use the same currency.",
                param="items",
            )
        return resolved

    @staticmethod
    def _collection(params: JSON) -> tuple[str, int | None]:
        method = str(params.get("collection_method") or "charge_automatically")
        days = FakeStripe._parse_int(params, "days_until_due", required=False)
        if method == "charge_automatically" and days is not None:
            raise StripeAPIError(
                400,
                "You can only set `days_until_due` if `collection_method` is `send_invoice`.",
                param="days_until_due",
            )
        if method == "send_invoice" and days is None and params.get("due_date") is None:
            raise StripeAPIError(
                400,
                "Invoices with `collection_method=send_invoice` must have `days_until_due` or "
                "`due_date` set.",
                param="days_until_due",
            )
        return method, days

    def _h_create_subscription(self, _m: re.Match[str], params: JSON) -> tuple[int, JSON]:
        _not_modelled(params, self._SUBSCRIPTION_CREATE_FIELDS)
        customer = self._customer_param(params)
        resolved = self._subscription_items(params)
        collection_method, days_until_due = self._collection(params)
        trial_days = self._parse_int(params, "trial_period_days", required=False)
        if trial_days is not None and not 0 <= trial_days <= 730:
            raise StripeAPIError(
                400,
                "The maximum number of trial period days is 730 (2 years).",
                param="trial_period_days",
            )
        metadata = self._check_metadata(params)
        payment_behavior = str(params.get("payment_behavior") or "allow_incomplete")
        now = int(time.time())
        trial_end = now + trial_days * 86400 if trial_days else None
        subscription_id = _new_id("sub_")
        items: list[JSON] = []
        for price, quantity, item_metadata in resolved:
            recurring = price["recurring"]
            item: JSON = {
                "id": _new_id("si_", 14),
                "object": "subscription_item",
                "billed_until": None,
                "billing_thresholds": None,
                "created": now,
                "current_period_end": trial_end
                or _add_interval(now, recurring["interval"], recurring["interval_count"]),
                "current_period_start": now,
                "discounts": [],
                "metadata": item_metadata,
                "plan": {
                    "id": price["id"],
                    "object": "plan",
                    "active": price["active"],
                    "amount": price["unit_amount"],
                    "amount_decimal": price["unit_amount_decimal"],
                    "billing_scheme": "per_unit",
                    "created": price["created"],
                    "currency": price["currency"],
                    "interval": recurring["interval"],
                    "interval_count": recurring["interval_count"],
                    "livemode": False,
                    "metadata": dict(price["metadata"]),
                    "meter": None,
                    "nickname": price["nickname"],
                    "product": price["product"],
                    "tiers_mode": None,
                    "transform_usage": None,
                    "trial_period_days": None,
                    "usage_type": "licensed",
                },
                "price": self._public(price),
                "quantity": quantity,
                "subscription": subscription_id,
                "tax_rates": [],
            }
            items.append(item)
            self.subscription_items[item["id"]] = item
        subscription: JSON = {
            "id": subscription_id,
            "object": "subscription",
            "application": None,
            "application_fee_percent": None,
            "automatic_tax": {"disabled_reason": None, "enabled": False, "liability": None},
            "billing_cycle_anchor": trial_end or now,
            "billing_cycle_anchor_config": None,
            # Flexible billing mode is the default since 2025-09-30.clover.
            "billing_mode": {
                "flexible": {"proration_discounts": "included"},
                "type": "flexible",
                "updated_at": None,
            },
            "billing_schedules": [],
            "billing_thresholds": None,
            "cancel_at": None,
            "cancel_at_period_end": False,
            "canceled_at": None,
            "cancellation_details": {"comment": None, "feedback": None, "reason": None},
            "collection_method": collection_method,
            "created": now,
            "currency": resolved[0][0]["currency"],
            "customer": customer["id"],
            "customer_account": None,
            "days_until_due": days_until_due,
            "default_payment_method": params.get("default_payment_method") or None,
            "default_source": None,
            "default_tax_rates": [],
            "description": params.get("description") or None,
            "discounts": [],
            "ended_at": None,
            "invoice_settings": {"account_tax_ids": None, "issuer": {"type": "self"}},
            "items": {
                "object": "list",
                "data": items,
                "has_more": False,
                "total_count": len(items),
                "url": f"/v1/subscription_items?subscription={subscription_id}",
            },
            "latest_invoice": None,
            "livemode": False,
            "metadata": metadata,
            "next_pending_invoice_item_invoice": None,
            "on_behalf_of": None,
            "pause_collection": None,
            "payment_settings": {
                "payment_method_options": None,
                "payment_method_types": None,
                "save_default_payment_method": "off",
            },
            "pending_invoice_item_interval": None,
            "pending_setup_intent": None,
            "pending_update": None,
            "schedule": None,
            "start_date": now,
            "status": "trialing" if trial_end else "incomplete",
            "test_clock": None,
            "transfer_data": None,
            "trial_end": trial_end,
            "trial_settings": {"end_behavior": {"missing_payment_method": "create_invoice"}},
            "trial_start": now if trial_end else None,
        }
        self.subscriptions[subscription_id] = subscription
        invoice = self._subscription_invoice(subscription, "subscription_create")
        self._emit("invoice.created", invoice)
        self._finalize(invoice)
        if invoice["status"] == "paid" or collection_method == "send_invoice":
            subscription["status"] = self._running_status(subscription)
        self._emit("customer.subscription.created", subscription)
        pi = self._invoice_payment_intent(invoice["id"])
        payment_method = (
            subscription["default_payment_method"]
            or customer["invoice_settings"]["default_payment_method"]
        )
        if (
            pi is not None
            and payment_method
            and payment_behavior != "default_incomplete"
            and collection_method == "charge_automatically"
        ):
            pi["payment_method"] = payment_method
            if payment_method in _DECLINING_PAYMENT_METHODS:
                self.fail_invoice_payment(invoice["id"], _DECLINING_PAYMENT_METHODS[payment_method])
            else:
                self.pay_invoice(invoice["id"])
        return 200, self._public(subscription)

    def _subscription_or_404(self, subscription_id: str) -> JSON:
        subscription = self.subscriptions.get(subscription_id)
        if subscription is None:
            raise _no_such("subscription", subscription_id, "id")
        return subscription

    def _h_get_subscription(self, m: re.Match[str], _params: JSON) -> tuple[int, JSON]:
        return 200, self._public(self._subscription_or_404(m["id"]))

    def _h_update_subscription(self, m: re.Match[str], params: JSON) -> tuple[int, JSON]:
        subscription = self._subscription_or_404(m["id"])
        _not_modelled(
            params,
            frozenset(
                {
                    "cancel_at_period_end",
                    "metadata",
                    "expand",
                    "description",
                    "default_payment_method",
                    "cancellation_details",
                    "proration_behavior",
                }
            ),
        )
        if subscription["status"] == "canceled" and set(params) - {
            "cancellation_details",
            "metadata",
            "expand",
        }:
            raise StripeAPIError(
                400,
                "A canceled subscription can only update its cancellation_details and metadata.",
            )
        updates: JSON = {}
        if "metadata" in params:
            updates["metadata"] = self._merge_metadata(subscription["metadata"], params)
        for key in ("description", "default_payment_method"):
            if key in params:
                updates[key] = params[key] or None
        details = dict(subscription["cancellation_details"])
        raw_details = params.get("cancellation_details")
        if isinstance(raw_details, dict):
            details.update(
                {k: raw_details[k] or None for k in ("comment", "feedback") if k in raw_details}
            )
        flag = params.get("cancel_at_period_end")
        if flag is not None:
            if flag == "true":
                updates.update(
                    cancel_at_period_end=True,
                    cancel_at=max(i["current_period_end"] for i in subscription["items"]["data"]),
                    canceled_at=int(time.time()),
                )
                details["reason"] = "cancellation_requested"
            else:
                updates.update(cancel_at_period_end=False, cancel_at=None, canceled_at=None)
                details.update(reason=None, comment=None, feedback=None)
        if details != subscription["cancellation_details"]:
            updates["cancellation_details"] = details
        previous = {
            k: copy.deepcopy(subscription[k]) for k, v in updates.items() if subscription[k] != v
        }
        subscription.update(updates)
        if previous:
            self._emit("customer.subscription.updated", subscription, previous)
        return 200, self._public(subscription)

    def _h_cancel_subscription(self, m: re.Match[str], params: JSON) -> tuple[int, JSON]:
        subscription = self._subscription_or_404(m["id"])
        _not_modelled(params, frozenset({"cancellation_details", "expand", "prorate"}))
        if subscription["status"] == "canceled":
            raise StripeAPIError(
                400,
                f"A canceled subscription cannot be canceled again ({subscription['id']}).",
                param="id",
            )
        raw = params.get("cancellation_details")
        raw = raw if isinstance(raw, dict) else {}
        self._cancel_subscription(
            subscription,
            "cancellation_requested",
            comment=raw.get("comment") or None,
            feedback=raw.get("feedback") or None,
        )
        return 200, self._public(subscription)

    def _h_create_invoice_item(self, _m: re.Match[str], params: JSON) -> tuple[int, JSON]:
        _not_modelled(
            params,
            frozenset(
                {
                    "customer",
                    "amount",
                    "currency",
                    "description",
                    "invoice",
                    "metadata",
                    "expand",
                    "quantity",
                    "pricing",
                    "discountable",
                    "period",
                }
            ),
        )
        customer = self._customer_param(params)
        invoice: JSON | None = None
        if params.get("invoice"):
            invoice = self.invoices.get(str(params["invoice"]))
            if invoice is None:
                raise _no_such("invoice", str(params["invoice"]), "invoice", status=400)
            if invoice["status"] != "draft":
                raise StripeAPIError(
                    400,
                    "This invoice is no longer editable because it has been finalized.",
                    code="invoice_not_editable",
                    param="invoice",
                )
            if invoice["customer"] != customer["id"]:
                raise StripeAPIError(
                    400,
                    f"The invoice {invoice['id']} does not belong to customer {customer['id']}.",
                    param="invoice",
                )
        quantity = self._parse_int(params, "quantity", required=False)
        pricing = params.get("pricing")
        price: JSON | None = None
        if isinstance(pricing, dict) and pricing.get("price"):
            if params.get("amount") is not None:
                raise StripeAPIError(
                    400,
                    "You may only specify one of these parameters: amount, pricing.",
                    code="parameters_exclusive",
                    param="amount",
                )
            price = self.prices.get(str(pricing["price"]))
            if price is None:
                raise _no_such("price", str(pricing["price"]), "pricing[price]", status=400)
            currency = price["currency"]
            unit = int(price["unit_amount"])
            amount = unit * (quantity or 1)
        else:
            amount_ = self._parse_int(params, "amount", required=True)
            assert amount_ is not None
            amount = amount_
            if params.get("currency"):
                currency = self._parse_currency(params)
            elif customer["currency"]:
                currency = customer["currency"]
            else:
                raise _missing("currency")
            unit = amount // (quantity or 1)
        if invoice is not None and invoice["currency"] != currency:
            raise StripeAPIError(
                400,
                f"The currency of this invoice item ({currency}) does not match the invoice "
                f"currency ({invoice['currency']}).",
                param="currency",
            )
        now = int(time.time())
        item_id = _new_id("ii_")
        item: JSON = {
            "id": item_id,
            "object": "invoiceitem",
            "amount": amount,
            "currency": currency,
            "customer": customer["id"],
            "customer_account": None,
            "date": now,
            "description": params.get("description") or None,
            "discountable": params.get("discountable") != "false",
            "discounts": [],
            "invoice": None,
            "livemode": False,
            "metadata": self._check_metadata(params),
            "net_amount": amount,
            "parent": None,
            "period": {"end": now, "start": now},
            "pricing": {
                "price_details": None
                if price is None
                else {"price": price["id"], "product": price["product"]},
                "type": "price_details",
                "unit_amount_decimal": str(unit),
            },
            "proration": False,
            "proration_details": {"credited_items": None},
            "quantity": quantity or 1,
            "quantity_decimal": str(quantity or 1),
            "tax_rates": [],
            "test_clock": None,
        }
        if customer["currency"] is None:
            customer["currency"] = currency
        self.invoice_items[item_id] = item
        if invoice is not None:
            self._attach_invoice_item(invoice, item)
        self._emit("invoiceitem.created", item)
        return 200, self._public(item)

    def _h_create_invoice(self, _m: re.Match[str], params: JSON) -> tuple[int, JSON]:
        _not_modelled(
            params,
            frozenset(
                {
                    "customer",
                    "auto_advance",
                    "collection_method",
                    "days_until_due",
                    "metadata",
                    "pending_invoice_items_behavior",
                    "description",
                    "currency",
                    "expand",
                }
            ),
        )
        customer = self._customer_param(params)
        collection_method, days_until_due = self._collection(params)
        if params.get("currency"):
            currency = self._parse_currency(params)
        else:
            currency = customer["currency"] or "usd"
        behavior = str(params.get("pending_invoice_items_behavior") or "exclude")
        invoice = self._new_invoice(
            customer,
            currency,
            collection_method=collection_method,
            days_until_due=days_until_due,
            auto_advance=params.get("auto_advance") == "true",
            billing_reason="manual",
            metadata=self._check_metadata(params),
            description=params.get("description") or None,
        )
        if behavior == "include":
            for item in self.invoice_items.values():
                if (
                    item["customer"] == customer["id"]
                    and item["invoice"] is None
                    and item["currency"] == currency
                ):
                    self._attach_invoice_item(invoice, item)
        self._emit("invoice.created", invoice)
        return 200, self._public(invoice)

    def _invoice_or_404(self, invoice_id: str) -> JSON:
        invoice = self.invoices.get(invoice_id)
        if invoice is None:
            raise _no_such("invoice", invoice_id, "id")
        return invoice

    def _h_get_invoice(self, m: re.Match[str], _params: JSON) -> tuple[int, JSON]:
        return 200, self._public(self._invoice_or_404(m["id"]))

    @staticmethod
    def _page(params: JSON, objects: list[JSON], url: str) -> JSON:
        limit = FakeStripe._parse_int(params, "limit", required=False)
        limit = 10 if limit is None else limit
        if not 1 <= limit <= 100:
            raise StripeAPIError(
                400,
                "This value must be greater than or equal to 1 and less than or equal to 100.",
                code="parameter_invalid_integer",
                param="limit",
            )
        after = params.get("starting_after")
        if after:
            ids = [o["id"] for o in objects]
            if after not in ids:
                raise StripeAPIError(
                    400,
                    f"No such object: '{after}'",
                    code="resource_missing",
                    param="starting_after",
                )
            objects = objects[ids.index(after) + 1 :]
        return {
            "object": "list",
            "data": [FakeStripe._public(o) for o in objects[:limit]],
            "has_more": len(objects) > limit,
            "url": url,
        }

    def _h_list_invoices(self, _m: re.Match[str], params: JSON) -> tuple[int, JSON]:
        _not_modelled(
            params,
            frozenset(
                {
                    "customer",
                    "limit",
                    "status",
                    "subscription",
                    "starting_after",
                    "expand",
                    "collection_method",
                }
            ),
        )
        invoices = list(reversed(self.invoices.values()))  # newest first, as Stripe lists
        invoices.sort(key=lambda i: -int(i["created"]))
        for key in ("customer", "status", "collection_method"):
            if params.get(key):
                invoices = [i for i in invoices if i[key] == params[key]]
        if params.get("subscription"):
            invoices = [
                i
                for i in invoices
                if (self._invoice_subscription(i) or {}).get("id") == params["subscription"]
            ]
        return 200, self._page(params, invoices, "/v1/invoices")

    def _h_finalize_invoice(self, m: re.Match[str], params: JSON) -> tuple[int, JSON]:
        invoice = self._invoice_or_404(m["id"])
        if invoice["status"] != "draft":
            raise StripeAPIError(
                400,
                "This invoice is already finalized, you can't re-finalize a non-draft invoice.",
                code="invoice_not_editable",
            )
        if params.get("auto_advance") is not None:
            invoice["auto_advance"] = params["auto_advance"] == "true"
        self._finalize(invoice)
        return 200, self._public(invoice)

    def _h_list_invoice_payments(self, _m: re.Match[str], params: JSON) -> tuple[int, JSON]:
        _not_modelled(params, frozenset({"invoice", "limit", "starting_after", "expand"}))
        payments = [
            p
            for p in reversed(self.invoice_payments.values())
            if not params.get("invoice") or p["invoice"] == params["invoice"]
        ]
        return 200, self._page(params, payments, "/v1/invoice_payments")


def _r(method: str, path: str, handler: _Handler, params_cls: type | None = None) -> _Route:
    pattern = re.compile(re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", path))
    return _Route(method, pattern, handler, params_cls)


_ROUTES: tuple[_Route, ...] = (
    _r(
        "POST",
        "/v1/payment_intents",
        FakeStripe._h_create_payment_intent,
        stripe_params.PaymentIntentCreateParams,
    ),
    _r(
        "GET",
        "/v1/payment_intents/{id}",
        FakeStripe._h_get_payment_intent,
        stripe_params.PaymentIntentRetrieveParams,
    ),
    _r(
        "POST",
        "/v1/payment_intents/{id}/cancel",
        FakeStripe._h_cancel_payment_intent,
        stripe_params.PaymentIntentCancelParams,
    ),
    _r(
        "POST",
        "/v1/checkout/sessions",
        FakeStripe._h_create_checkout_session,
        stripe_checkout_params.SessionCreateParams,
    ),
    _r(
        "GET",
        "/v1/checkout/sessions/{id}",
        FakeStripe._h_get_checkout_session,
        stripe_checkout_params.SessionRetrieveParams,
    ),
    _r(
        "POST",
        "/v1/checkout/sessions/{id}/expire",
        FakeStripe._h_expire_checkout_session,
        stripe_checkout_params.SessionExpireParams,
    ),
    _r("POST", "/v1/refunds", FakeStripe._h_create_refund, stripe_params.RefundCreateParams),
    _r("GET", "/v1/refunds/{id}", FakeStripe._h_get_refund, stripe_params.RefundRetrieveParams),
    _r("GET", "/v1/charges/{id}", FakeStripe._h_get_charge, stripe_params.ChargeRetrieveParams),
    _r("POST", "/v1/customers", FakeStripe._h_create_customer, stripe_params.CustomerCreateParams),
    _r(
        "GET",
        "/v1/customers/{id}",
        FakeStripe._h_get_customer,
        stripe_params.CustomerRetrieveParams,
    ),
    _r(
        "POST",
        "/v1/customers/{id}",
        FakeStripe._h_update_customer,
        stripe_params.CustomerUpdateParams,
    ),
    _r("GET", "/v1/prices/{id}", FakeStripe._h_get_price, stripe_params.PriceRetrieveParams),
    _r(
        "POST",
        "/v1/subscriptions",
        FakeStripe._h_create_subscription,
        stripe_params.SubscriptionCreateParams,
    ),
    _r(
        "GET",
        "/v1/subscriptions/{id}",
        FakeStripe._h_get_subscription,
        stripe_params.SubscriptionRetrieveParams,
    ),
    _r(
        "POST",
        "/v1/subscriptions/{id}",
        FakeStripe._h_update_subscription,
        stripe_params.SubscriptionUpdateParams,
    ),
    _r(
        "DELETE",
        "/v1/subscriptions/{id}",
        FakeStripe._h_cancel_subscription,
        stripe_params.SubscriptionCancelParams,
    ),
    _r(
        "POST",
        "/v1/invoiceitems",
        FakeStripe._h_create_invoice_item,
        stripe_params.InvoiceItemCreateParams,
    ),
    _r("POST", "/v1/invoices", FakeStripe._h_create_invoice, stripe_params.InvoiceCreateParams),
    _r("GET", "/v1/invoices", FakeStripe._h_list_invoices, stripe_params.InvoiceListParams),
    _r(
        "GET",
        "/v1/invoices/{id}",
        FakeStripe._h_get_invoice,
        stripe_params.InvoiceRetrieveParams,
    ),
    _r(
        "POST",
        "/v1/invoices/{id}/finalize",
        FakeStripe._h_finalize_invoice,
        stripe_params.InvoiceFinalizeInvoiceParams,
    ),
    _r(
        "GET",
        "/v1/invoice_payments",
        FakeStripe._h_list_invoice_payments,
        stripe_params.InvoicePaymentListParams,
    ),
)
