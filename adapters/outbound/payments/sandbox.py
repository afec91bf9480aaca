"""The embedded-default payment provider: a sandbox that follows Stripe's test payment methods.

No account, no network. The client picks an outcome with one of Stripe's test payment method
ids (card numbers never reach the server); the state lives in the database
(``sandbox_payments``) so every web worker and the job worker see the same payments. Every
state change is recorded as an event (``sandbox_events``), signed the way Stripe signs
webhooks (``t=<unix>,v1=<hex HMAC-SHA256(secret, f"{t}.{body}")>``, header
``Sandbox-Signature``) and handed to ``deliver`` once the change is committed, so the webhook
path of the app is exercised exactly as it is with a real provider.

Flow: ``start`` (pending) -> ``complete`` (the client's "confirm": succeeded | failed |
requires_action) -> for 3-D Secure, ``authenticate`` (the bank's page: succeeded | failed).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from adapters.outbound.payments.headers import header_value
from adapters.outbound.persistence import tables as t
from application.payments.errors import GatewayDeclined
from application.payments.ports import (
    PaymentNotice,
    PaymentRequest,
    PaymentSession,
    PaymentState,
    RefundReceipt,
)
from application.shared.errors import InvalidSignature
from application.shared.ports import Clock, WebhookEvent
from domain.payments.model import OPEN, PaymentStatus
from domain.shared.errors import DomainError, NotFound
from domain.shared.money import KNOWN_CURRENCIES, Money

log = logging.getLogger(__name__)

PROVIDER = "sandbox"
SIGNATURE_HEADER = "Sandbox-Signature"
NEXT_ACTION_TYPE = "sandbox_3ds"

Deliver = Callable[[bytes, dict[str, str]], object]
S = PaymentStatus
_payments, _events = t.sandbox_payments, t.sandbox_events


@dataclass(frozen=True)
class Outcome:
    """What confirming with a test payment method does."""

    status: PaymentStatus  # SUCCEEDED | FAILED | REQUIRES_ACTION
    failure_reason: str | None = None


_SUCCEED = Outcome(S.SUCCEEDED)
_AUTHENTICATE = Outcome(S.REQUIRES_ACTION)

# Stripe's test PaymentMethod ids (docs.stripe.com/testing) and what they do on confirm.
TEST_PAYMENT_METHODS: dict[str, Outcome] = {
    "pm_card_visa": _SUCCEED,
    "pm_card_visa_debit": _SUCCEED,
    "pm_card_mastercard": _SUCCEED,
    "pm_card_mastercard_debit": _SUCCEED,
    "pm_card_amex": _SUCCEED,
    "pm_card_discover": _SUCCEED,
    "pm_card_jcb": _SUCCEED,
    "pm_card_unionpay": _SUCCEED,
    "pm_card_chargeDeclined": Outcome(S.FAILED, "card_declined"),
    "pm_card_visa_chargeDeclined": Outcome(S.FAILED, "card_declined"),
    "pm_card_visa_chargeDeclinedInsufficientFunds": Outcome(S.FAILED, "insufficient_funds"),
    "pm_card_visa_chargeDeclinedLostCard": Outcome(S.FAILED, "lost_card"),
    "pm_card_visa_chargeDeclinedStolenCard": Outcome(S.FAILED, "stolen_card"),
    "pm_card_chargeDeclinedExpiredCard": Outcome(S.FAILED, "expired_card"),
    "pm_card_chargeDeclinedIncorrectCvc": Outcome(S.FAILED, "incorrect_cvc"),
    "pm_card_chargeDeclinedProcessingError": Outcome(S.FAILED, "processing_error"),
    "pm_card_threeDSecure2Required": _AUTHENTICATE,
    "pm_card_authenticationRequired": _AUTHENTICATE,
}

_PAID = frozenset({S.SUCCEEDED, S.PARTIALLY_REFUNDED})
_RECEIVED = _PAID | {S.REFUNDED}
_EVENT_TYPES = {
    S.SUCCEEDED: "payment.succeeded",
    S.FAILED: "payment.failed",
    S.REQUIRES_ACTION: "payment.requires_action",
    S.CANCELED: "payment.canceled",
}
REFUND_EVENT = "charge.refunded"


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The ``Sandbox-Signature`` header value for ``body`` sent at ``timestamp`` (unix s)."""
    return f"t={timestamp},v1={_digest(secret, timestamp, body)}"


def _digest(secret: str, timestamp: int, body: bytes) -> str:
    signed = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class _Event:
    id: str
    body: str


class SandboxPaymentGateway:
    """``PaymentGateway`` for the embedded default. ``deliver(body, headers)`` receives every
    signed event after its change was committed (the composition root wires it to the
    webhook inbox); it is never called inside a database transaction, and a delivery that
    raises is logged, not propagated: the change stands, like at a real provider, and the
    event can be sent again with ``redeliver``."""

    provider = PROVIDER

    def __init__(self, engine: Engine, clock: Clock, signing_secret: str,
                 deliver: Deliver) -> None:
        if not signing_secret:
            raise ValueError("the sandbox gateway needs a signing secret for its webhooks")
        self.engine, self.clock, self.deliver = engine, clock, deliver
        self._secret = signing_secret

    def supports(self, currency: str) -> bool:
        return currency in KNOWN_CURRENCIES

    def start(self, request: PaymentRequest) -> PaymentSession:
        """Records a pending payment. Idempotent by ``request.idempotency_key``: the same key
        gives the same reference. Raises ``GatewayDeclined`` for a missing or unknown test
        payment method, a non-positive amount, or a key reused for another payment."""
        method = request.payment_method
        if method not in TEST_PAYMENT_METHODS:
            known = ", ".join(sorted(TEST_PAYMENT_METHODS))
            raise GatewayDeclined(
                f"the sandbox needs a Stripe test payment method (one of: {known}); "
                f"got {method!r}")
        if request.amount.amount_minor <= 0:
            raise GatewayDeclined("the amount to charge must be positive")
        reference = f"sbx_{secrets.token_hex(12)}"
        try:
            with self.engine.begin() as connection:
                connection.execute(insert(_payments).values(
                    reference=reference, idempotency_key=request.idempotency_key,
                    payment_id=request.payment_id, order_id=request.order_id,
                    amount_minor=request.amount.amount_minor,
                    currency=request.amount.currency, payment_method=method,
                    status=S.PENDING.value, refunded_minor=0, failure_reason=None,
                    created_at=self.clock.now()))
        except IntegrityError:
            reference = self._same_start(request)
        return PaymentSession(PROVIDER, reference, self._client_secret(reference), None,
                              request.expires_at)

    def fetch(self, reference: str) -> PaymentState:
        with self.engine.connect() as connection:
            return _state(self._row(connection, reference))

    def complete(self, reference: str, idempotency_key: str) -> PaymentState:
        """Confirms a pending payment with its test payment method; a repeat (or a confirm of
        a payment that moved on) returns the current state and changes nothing."""
        with self.engine.begin() as connection:
            row = self._row(connection, reference, lock=True)
            event = None
            if row.status == S.PENDING:
                outcome = TEST_PAYMENT_METHODS.get(row.payment_method or "")
                if outcome is None:
                    raise GatewayDeclined(f"unknown test payment method {row.payment_method!r}")
                event = self._move(connection, row, S.PENDING, outcome.status,
                                   outcome.failure_reason)
            state = _state(self._row(connection, reference))
        self._send(event)
        return state

    def authenticate(self, reference: str, passed: bool) -> PaymentState:
        """Stands in for the bank's 3-D Secure page: a payment that requires action succeeds
        when ``passed``, else fails with "authentication_failed". A repeat changes nothing;
        an unknown reference raises ``NotFound``, a payment not confirmed yet
        ``GatewayDeclined``."""
        with self.engine.begin() as connection:
            row = self._row(connection, reference, lock=True, missing=NotFound)
            event = None
            if row.status == S.PENDING:
                raise GatewayDeclined("confirm the payment before authenticating it")
            if row.status == S.REQUIRES_ACTION:
                target = S.SUCCEEDED if passed else S.FAILED
                reason = None if passed else "authentication_failed"
                event = self._move(connection, row, S.REQUIRES_ACTION, target, reason)
            state = _state(self._row(connection, reference))
        self._send(event)
        return state

    def cancel(self, reference: str, idempotency_key: str) -> None:
        """Cancels an open payment (pending, requires_action, failed); others are left alone."""
        with self.engine.begin() as connection:
            row = self._row(connection, reference, lock=True)
            event = None
            if S(row.status) in OPEN:
                event = self._move(connection, row, S(row.status), S.CANCELED,
                                   row.failure_reason)
        self._send(event)

    def refund(self, reference: str, payment_id: str | None, amount: Money,
               idempotency_key: str) -> RefundReceipt:
        """Refunds ``amount`` of a paid payment at once ("succeeded"). Idempotent by
        ``idempotency_key`` (per payment). Raises ``GatewayDeclined`` for an unpaid payment,
        another currency, a non-positive amount, more than is left to refund, or a key reused
        with another amount."""
        fingerprint = hashlib.sha256(f"{reference}\n{idempotency_key}".encode()).hexdigest()
        event_id, refund_id = f"evt_sbx_{fingerprint[:40]}", f"re_sbx_{fingerprint[:24]}"
        receipt = RefundReceipt(refund_id, "succeeded", amount)
        with self.engine.begin() as connection:
            row = self._row(connection, reference, lock=True)
            earlier = connection.execute(
                select(_events.c.body).where(_events.c.id == event_id)).first()
            if earlier is not None:
                refunded = json.loads(earlier.body)["data"]["refund"]
                if (refunded["amount_minor"], refunded["currency"]) != (
                        amount.amount_minor, amount.currency):
                    raise GatewayDeclined("this refund idempotency key was used for another "
                                          "amount")
                return receipt
            total = self._check_refund(row, amount)
            target = S.REFUNDED if total == row.amount_minor else S.PARTIALLY_REFUNDED
            connection.execute(update(_payments).where(_payments.c.reference == reference)
                               .values(status=target.value, refunded_minor=total))
            row = self._row(connection, reference)
            event = self._record(connection, row, REFUND_EVENT, event_id=event_id, refund={
                "id": refund_id, "amount_minor": amount.amount_minor,
                "currency": amount.currency})
        self._send(event)
        return receipt

    def redeliver(self, event_id: str) -> None:
        """Sends a stored event again, byte for byte, with a fresh signature (as a provider
        retrying a delivery does). Raises ``GatewayDeclined`` for an unknown event; a
        delivery error propagates."""
        with self.engine.connect() as connection:
            found = connection.execute(
                select(_events.c.body).where(_events.c.id == event_id)).first()
        if found is None:
            raise GatewayDeclined(f"no sandbox event {event_id!r}")
        self._deliver_now(_Event(event_id, found.body))

    def event_ids(self, reference: str) -> list[str]:
        """The ids of the events of one payment, oldest first (for the demo and tests)."""
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(_events.c.id).where(_events.c.reference == reference)
                .order_by(_events.c.created_at, _events.c.id))
            return [row.id for row in rows]

    # --- inside -------------------------------------------------------------------------

    def _client_secret(self, reference: str) -> str:
        # Derived, not stored: the same reference always has the same secret, and only the
        # holder of the signing secret can compute it.
        tag = hmac.new(self._secret.encode(), f"client_secret:{reference}".encode(),
                       hashlib.sha256).hexdigest()[:24]
        return f"{reference}_secret_{tag}"

    def _same_start(self, request: PaymentRequest) -> str:
        with self.engine.connect() as connection:
            row = connection.execute(select(_payments).where(
                _payments.c.idempotency_key == request.idempotency_key)).first()
        if row is None:  # not the key: a clash of random references, which does not happen
            raise GatewayDeclined("the sandbox could not record the payment; try again")
        if (row.payment_id, row.amount_minor, row.currency, row.payment_method) != (
                request.payment_id, request.amount.amount_minor, request.amount.currency,
                request.payment_method):
            raise GatewayDeclined("this idempotency key was used to start another payment")
        return str(row.reference)

    def _row(self, connection: Connection, reference: str, lock: bool = False,
             missing: type[DomainError] = GatewayDeclined) -> Any:
        query = select(_payments).where(_payments.c.reference == reference)
        row = connection.execute(query.with_for_update() if lock else query).first()
        if row is None:
            raise missing(f"no sandbox payment {reference!r}")
        return row

    def _move(self, connection: Connection, row: Any, source: PaymentStatus,
              target: PaymentStatus, reason: str | None) -> _Event | None:
        moved = connection.execute(
            update(_payments)
            .where(_payments.c.reference == row.reference, _payments.c.status == source.value)
            .values(status=target.value, failure_reason=reason))
        if moved.rowcount != 1:
            return None  # a concurrent call moved it first and sent the event
        current = self._row(connection, row.reference)
        return self._record(connection, current, _EVENT_TYPES[target])

    @staticmethod
    def _check_refund(row: Any, amount: Money) -> int:
        if S(row.status) not in _PAID:
            raise GatewayDeclined(f"only a paid payment can be refunded; this one is "
                                  f"{row.status}")
        if amount.currency != row.currency:
            raise GatewayDeclined(f"the payment was made in {row.currency}, not "
                                  f"{amount.currency}")
        if amount.amount_minor <= 0:
            raise GatewayDeclined("the amount to refund must be positive")
        total = int(row.refunded_minor) + amount.amount_minor
        if total > row.amount_minor:
            left = Money(int(row.amount_minor - row.refunded_minor), row.currency)
            raise GatewayDeclined(f"only {left.to_decimal_string()} {left.currency} is left "
                                  f"to refund")
        return total

    def _record(self, connection: Connection, row: Any, event_type: str,
                event_id: str | None = None, **extra: Any) -> _Event:
        now = self.clock.now()
        event_id = event_id or f"evt_sbx_{secrets.token_hex(12)}"
        data: dict[str, Any] = {
            "reference": row.reference, "payment_id": row.payment_id,
            "order_id": row.order_id, "status": row.status,
            "amount_minor": int(row.amount_minor), "currency": row.currency,
            "refunded_minor": int(row.refunded_minor),
            "failure_reason": row.failure_reason, **extra,
        }
        body = json.dumps({"id": event_id, "type": event_type, "created": int(now.timestamp()),
                           "data": data}, separators=(",", ":"))
        connection.execute(insert(_events).values(
            id=event_id, reference=row.reference, event_type=event_type, body=body,
            created_at=now))
        return _Event(event_id, body)

    def _send(self, event: _Event | None) -> None:
        if event is None:
            return
        try:
            self._deliver_now(event)
        except Exception:
            log.exception("the sandbox could not deliver event %s; send it again with "
                          "redeliver()", event.id)

    def _deliver_now(self, event: _Event) -> None:
        body = event.body.encode()
        timestamp = int(self.clock.now().timestamp())
        self.deliver(body, {SIGNATURE_HEADER: sign(self._secret, timestamp, body)})


def _state(row: Any) -> PaymentState:
    status = S(row.status)
    received = Money(int(row.amount_minor), row.currency) if status in _RECEIVED else None
    next_action = ({"type": NEXT_ACTION_TYPE, "authenticate": row.reference}
                   if status == S.REQUIRES_ACTION else None)
    # The port's contract: a paid payment stays "succeeded"; refunds travel as a total.
    reported = S.SUCCEEDED if status in (S.PARTIALLY_REFUNDED, S.REFUNDED) else status
    return PaymentState(reference=row.reference, status=reported.value, received=received,
                        provider_payment_id=row.reference,
                        refunded_minor=int(row.refunded_minor),
                        failure_reason=row.failure_reason, next_action=next_action)


# --- webhooks ----------------------------------------------------------------------------


class SandboxWebhookAuthenticator:
    """Verifies ``Sandbox-Signature`` the way Stripe's are verified, and stricter on time:
    a timestamp more than ``tolerance`` seconds old or ahead is refused."""

    provider = PROVIDER

    def __init__(self, secret: str, clock: Clock, tolerance: int = 300) -> None:
        if not secret:
            raise ValueError("the sandbox webhook authenticator needs a signing secret")
        self._secret, self.clock, self.tolerance = secret, clock, tolerance

    def authenticate(self, headers: Mapping[str, str], body: bytes) -> WebhookEvent:
        header = header_value(headers, SIGNATURE_HEADER)
        if not header:
            raise InvalidSignature(f"the delivery has no {SIGNATURE_HEADER} header")
        timestamp, signatures = _parse_signature(header)
        expected = _digest(self._secret, timestamp, body).encode()
        if not any(hmac.compare_digest(expected, given.encode("utf-8", "replace"))
                   for given in signatures):
            raise InvalidSignature("the signature does not match the delivery")
        age = self.clock.now().timestamp() - timestamp
        if age > self.tolerance:
            raise InvalidSignature(f"the delivery was signed {int(age)} s ago, more than the "
                                   f"{self.tolerance} s allowed")
        if -age > self.tolerance:
            raise InvalidSignature("the delivery is signed with a time in the future")
        return _event(body)


def _parse_signature(header: str) -> tuple[int, list[str]]:
    timestamp: int | None = None
    signatures: list[str] = []
    for item in header.split(","):
        name, _, value = item.strip().partition("=")
        if name == "t" and value.isascii() and value.isdigit():
            timestamp = int(value)
        elif name == "v1" and value:
            signatures.append(value)
    if timestamp is None or not signatures:
        raise InvalidSignature(f"the {SIGNATURE_HEADER} header is not of the form "
                               "t=<unix time>,v1=<signature>")
    return timestamp, signatures


def _event(body: bytes) -> WebhookEvent:
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise InvalidSignature("the delivery body is not JSON") from None
    if not (isinstance(payload, dict) and isinstance(payload.get("id"), str)
            and isinstance(payload.get("type"), str)):
        raise InvalidSignature("the delivery is not an event (it needs an id and a type)")
    return WebhookEvent(PROVIDER, payload["id"], payload["type"], payload)


class SandboxWebhookInterpreter:
    provider = PROVIDER

    def interpret(self, event: WebhookEvent) -> PaymentNotice:
        data = event.payload.get("data")
        data = data if isinstance(data, dict) else {}
        payment_id, reference = data.get("payment_id"), data.get("reference")
        payment_id = payment_id if isinstance(payment_id, str) else None
        reference = reference if isinstance(reference, str) else None
        if event.event_type.startswith("payment."):
            return PaymentNotice("payment", payment_id, reference)
        if event.event_type == REFUND_EVENT:
            return PaymentNotice("refund", payment_id, reference)
        return PaymentNotice("ignore")


@dataclass(frozen=True)
class SandboxBank:
    """What the sandbox's 3-D Secure page reaches: the sandbox gateway while it serves
    payments, None when a real provider does (the page then answers 404)."""

    gateway: SandboxPaymentGateway | None
