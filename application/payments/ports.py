"""What payments need from the outside world: providers, exchange rates, their records."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from application.accounts.published import AccountDirectory
from application.catalog.published import CourseAccess
from application.identity.published import IdentityStanding
from application.shared.ports import AuditedUnitOfWork, WebhookEvent
from domain.payments.model import ExchangeRate, Order, Payment
from domain.shared.money import Money


class Provider(StrEnum):
    STRIPE = "stripe"
    PAYPAL = "paypal"
    SANDBOX = "sandbox"


class RefundStatus(StrEnum):
    REQUESTED = "requested"
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class NoticeKind(StrEnum):
    PAYMENT = "payment"
    REFUND = "refund"
    DISPUTE_OPENED = "dispute_opened"
    DISPUTE_CLOSED = "dispute_closed"
    IGNORE = "ignore"


@dataclass(frozen=True)
class CheckoutLine:
    item_id: str  # what is sold: a course id, or credit_pack:<pack id> (OrderLine.item_id)
    title: str
    price: Money  # in the currency charged (converted when the provider needed it)


@dataclass(frozen=True)
class PaymentRequest:
    """Everything a provider needs to open one payment attempt."""

    payment_id: str
    order_id: str
    flow: str  # one of the provider's flows (a Flow for the built-in providers)
    amount: Money
    lines: tuple[CheckoutLine, ...]
    description: str
    customer_email: str
    success_url: str
    cancel_url: str
    expires_at: datetime | None
    idempotency_key: str  # derived from our ids: the same attempt never opens twice
    payment_method: str | None = None  # sandbox: a Stripe test payment method id


@dataclass(frozen=True)
class PaymentSession:
    provider: str
    reference: str  # pi_..., cs_..., the PayPal order id
    client_secret: str | None
    redirect_url: str | None
    expires_at: datetime | None


@dataclass(frozen=True)
class PaymentState:
    """The provider's current view of a payment, re-fetched, never taken from a client.

    ``status`` is the charge's own life cycle, one of the PaymentStatus values pending,
    requires_action, succeeded, failed, canceled, expired; a paid payment stays "succeeded"
    however much was refunded since, and ``refunded_minor`` carries the refunded total."""

    reference: str
    status: str
    received: Money | None  # what the provider captured; None until it did
    provider_payment_id: str | None = None  # pi_... behind a session, the PayPal capture id
    refunded_minor: int = 0
    failure_reason: str | None = None
    next_action: dict[str, Any] | None = None  # what Stripe.js needs for 3-D Secure


@dataclass(frozen=True)
class RefundReceipt:
    reference: str
    status: RefundStatus
    amount: Money


class PaymentGateway(Protocol):
    """One payment provider. Every call has a timeout. Transient failures (connection errors,
    timeouts, 429, 5xx) raise ``GatewayUnavailable``, and so does a refusal of our own
    credentials or account (``GatewayMisconfigured``, its subclass); a refusal of the request
    (declined, invalid) raises ``GatewayDeclined``. Mutating calls carry ``idempotency_key`` and
    are safe to repeat with it."""

    provider: str

    def supports(self, currency: str) -> bool:
        """Whether the provider can charge in this ISO 4217 currency."""

    def start(self, request: PaymentRequest) -> PaymentSession:
        """Opens the attempt (PaymentIntent, Checkout Session, PayPal order) for
        ``request.amount``; our payment and order ids travel in the provider's metadata."""

    def fetch(self, reference: str) -> PaymentState:
        """The payment's current state at the provider."""

    def complete(self, reference: str, idempotency_key: str) -> PaymentState:
        """Finishes an approved payment where the provider needs it (PayPal capture) and
        returns the resulting state; for providers that capture by themselves, ``fetch``."""

    def cancel(self, reference: str, idempotency_key: str) -> None:
        """Closes an open attempt so it can no longer be paid; a closed one is left alone."""

    def refund(self, reference: str, payment_id: str | None, amount: Money,
               idempotency_key: str) -> RefundReceipt:
        """Refunds ``amount`` (minor units, the charged currency) of a paid attempt."""


class ExchangeRates(Protocol):
    def rate(self, source: str, target: str) -> ExchangeRate:
        """A snapshot of the rate from ``source`` to ``target`` currency. Raises
        ``RateUnavailable`` when no rate is known: never guesses."""


@dataclass(frozen=True)
class PaymentNotice:
    """What an event means for our payments, in our terms. The payment is found by our id
    (from the provider's metadata) or by the provider reference."""

    kind: NoticeKind
    payment_id: str | None = None
    reference: str | None = None
    dispute_won: bool | None = None


class WebhookInterpreter(Protocol):
    provider: str

    def interpret(self, event: WebhookEvent) -> PaymentNotice:
        """Maps a provider event to a notice; unknown event types give kind "ignore"."""


class OrderRepository(Protocol):
    def add(self, order: Order) -> None: ...
    def get(self, order_id: str) -> Order | None: ...


class PaymentRepository(Protocol):
    def add(self, payment: Payment) -> None: ...
    def get(self, payment_id: str, for_update: bool = False) -> Payment | None:
        """``for_update`` locks the row until commit (concurrent confirmations queue)."""

    def by_reference(self, provider: str, reference: str) -> Payment | None: ...
    def open_attempt(self, student_id: str, purchase: str) -> Payment | None:
        """The student's open attempt for ``purchase`` (Payment.purchase), if any."""
    def open_before(self, moment: datetime, limit: int) -> list[str]:
        """Ids of open payments last changed before ``moment``, oldest first."""

    def expired(self, now: datetime, limit: int) -> list[str]:
        """Ids of open payments whose provider expiry has passed."""

    def paid_unreconciled(self, before: datetime, since: datetime, limit: int) -> list[str]:
        """Ids of paid payments (succeeded, partly refunded, disputed) made after ``since``
        and not compared with the provider since ``before`` (their last change counting as
        one), least recently compared first."""


@dataclass
class RefundRecord:
    id: str
    payment_id: str
    amount: Money
    status: RefundStatus
    requested_by: str
    created_at: datetime
    reason: str | None = None
    provider_reference: str | None = None


class RefundRepository(Protocol):
    def add(self, refund: RefundRecord) -> None: ...
    def update(self, refund_id: str, status: str, provider_reference: str | None) -> None: ...
    def for_payment(self, payment_id: str) -> list[RefundRecord]: ...

    def unsettled(self, created_before: datetime, limit: int) -> list[str]:
        """Ids of the payments with a refund still requested or pending that was asked for
        before ``created_before``, oldest refund first."""


class CheckoutHolds(Protocol):
    """Which open checkout attempt holds each course of a student: no course is ever in two
    open attempts of one student (a unique key on student and course, whatever the course
    sets, flows or providers; two checkouts racing for one course cannot both commit)."""

    def holders(self, student_id: str, course_ids: Sequence[str]) -> dict[str, str]:
        """The payment id holding each of the courses that is held, by course id."""

    def hold(self, student_id: str, course_ids: Sequence[str], payment_id: str) -> None:
        """Holds the courses for the payment. Raises ``Conflict`` when one is held already,
        by a committed attempt or by a transaction racing this one (which it waits for)."""

    def release(self, student_id: str, payment_ids: Sequence[str]) -> None:
        """Drops the holds of those payments (closed or replaced attempts) only: a hold
        another checkout took meanwhile stays."""


class PaymentsUnitOfWork(AuditedUnitOfWork, Protocol):
    """One transaction over orders, payments and refunds. Settling a payment grants course
    access in the same transaction through the catalog's published ``CourseAccess``; receipts
    read whom to address through the accounts' ``AccountDirectory`` (ADR 10)."""

    orders: OrderRepository
    payments: PaymentRepository
    refunds: RefundRepository
    holds: CheckoutHolds
    course_access: CourseAccess
    accounts: AccountDirectory
    standing: IdentityStanding  # identity's: whether a student may pay
