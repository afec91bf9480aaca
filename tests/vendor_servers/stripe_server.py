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
from collections.abc import Callable
from dataclasses import dataclass
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
        self._idempotency: dict[str, _SavedIdempotentResponse] = {}
        self._in_flight: set[str] = set()

    # ---------------------------------------------------------------- snapshots
    def payment_intent(self, pi_id: str) -> JSON:
        with self._lock:
            return copy.deepcopy(self.payment_intents[pi_id])

    def checkout_session(self, session_id: str) -> JSON:
        with self._lock:
            return copy.deepcopy(self.checkout_sessions[session_id])

    def charge(self, charge_id: str) -> JSON:
        with self._lock:
            return copy.deepcopy(self.charges[charge_id])

    def refund(self, refund_id: str) -> JSON:
        with self._lock:
            return copy.deepcopy(self.refunds[refund_id])

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
        recurring_interval: str | None = None,
    ) -> JSON:
        """Register a Price so Checkout ``line_items[][price]`` can reference it."""
        price: JSON = {
            "id": price_id,
            "object": "price",
            "active": True,
            "currency": currency.lower(),
            "unit_amount": unit_amount,
            "recurring": {"interval": recurring_interval, "interval_count": 1}
            if recurring_interval
            else None,
            "type": "recurring" if recurring_interval else "one_time",
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
                    status, body = self._dispatch(route, match, params)
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
            raise StripeAPIError(400, f"This property cannot be expanded ({full}).", param="expand")
        value = obj[head]
        if isinstance(value, str):
            store = self._store_for_id(value)
            if store is None or value not in store:
                raise StripeAPIError(
                    400, f"This property cannot be expanded ({full}).", param="expand"
                )
            value = copy.deepcopy(store[value])
            obj[head] = value
        if rest and isinstance(value, dict):
            self._expand_path(value, rest, full)

    def _store_for_id(self, obj_id: str) -> dict[str, JSON] | None:
        prefixes = {
            "pi_": self.payment_intents,
            "ch_": self.charges,
            "re_": self.refunds,
            "cs_": self.checkout_sessions,
            "dp_": self.disputes,
        }
        for prefix, store in prefixes.items():
            if obj_id.startswith(prefix):
                return store
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
)
