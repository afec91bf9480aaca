"""Every capability the core needs from the outside world, in one place.

Adapters implement these protocols; use cases receive them through their constructors.
Times are timezone-aware UTC ``datetime``s; durations are ``timedelta``s; money is ``Money``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import TracebackType
from typing import Any, Generic, Protocol, Self, TypeVar

from domain.accounts import User
from domain.audit import AuditRecord
from domain.catalog import Course
from domain.enrollment import Enrollment
from domain.money import Money
from domain.payments import ExchangeRate, Order, Payment

T = TypeVar("T")


# --- time, ids and secrets -------------------------------------------------------------------


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware UTC. Never fails."""


class IdGenerator(Protocol):
    def new_id(self) -> str:
        """A new unique, URL-safe identifier (at most 36 characters). Never fails."""


class PasswordHasher(Protocol):
    def hash(self, password: str) -> str:
        """A salted, memory-hard hash of ``password`` in a self-describing string format."""

    def verify(self, password_hash: str, password: str) -> bool:
        """True when ``password`` matches; False for a mismatch or an unreadable hash."""

    def needs_rehash(self, password_hash: str) -> bool:
        """True when the hash was made with weaker parameters than the current ones."""

    def verify_decoy(self, password: str) -> None:
        """Spends the work of ``verify`` on a stored decoy hash, so that a login for an
        unknown email takes as long as one for a known email."""


@dataclass(frozen=True)
class Principal:
    """The authenticated caller, as read from a verified access token."""

    user_id: str
    role: str


@dataclass(frozen=True)
class IssuedAccessToken:
    token: str
    expires_in: int  # seconds


class AccessTokens(Protocol):
    def issue(self, user_id: str, role: str) -> IssuedAccessToken:
        """A signed bearer token for the user, valid for the configured lifetime."""

    def read(self, token: str) -> Principal:
        """The principal of a valid token. Raises ``AuthenticationFailed`` when the token is
        malformed, forged, expired or not an access token."""


@dataclass(frozen=True)
class OneTimeClaims:
    token_id: str
    user_id: str
    expires_at: datetime


class OneTimeTokens(Protocol):
    def issue(self, purpose: str, user_id: str, ttl: timedelta) -> str:
        """A signed, expiring token for one ``purpose`` ("verify_email", "reset_password")."""

    def read(self, purpose: str, token: str) -> OneTimeClaims:
        """The claims of a token signed by us for that purpose and not expired. Raises
        ``InvalidToken`` otherwise. Single use is enforced by the caller with ``UsedTokens``."""


# --- outbound capabilities -------------------------------------------------------------------


@dataclass(frozen=True)
class EmailMessage:
    to: str
    subject: str
    text: str
    html: str | None = None
    tags: tuple[str, ...] = ()


class Mailer(Protocol):
    def send(self, message: EmailMessage, idempotency_key: str) -> None:
        """Hands the message to the mail service. Sending twice with the same key delivers
        at most once where the service allows it. Raises ``DeliveryFailed`` for a transient
        failure (the caller's job is retried) and ``InvalidValue`` for a message the service
        refuses for good."""


class TaskQueue(Protocol):
    def enqueue(self, job: str, *args: str) -> None:
        """Schedules the named job with id arguments. Call only after a commit. Raises
        ``DeliveryFailed`` when the queue cannot be reached (the outbox relay catches up)."""


class HealthCheck(Protocol):
    name: str

    def check(self) -> None:
        """Returns when the dependency answers; raises any exception when it does not."""


# --- persistence -----------------------------------------------------------------------------


class UserRepository(Protocol):
    def add(self, user: User) -> None: ...
    def get(self, user_id: str) -> User | None: ...
    def get_by_email(self, email: str) -> User | None: ...


class CourseRepository(Protocol):
    def add(self, course: Course) -> None: ...
    def get(self, course_id: str) -> Course | None: ...
    def slug_taken(self, slug: str) -> bool: ...


class EnrollmentRepository(Protocol):
    def add(self, enrollment: Enrollment) -> None: ...
    def get(self, student_id: str, course_id: str) -> Enrollment | None: ...


class CourseStatistics(Protocol):
    def record_enrollment(self, course_id: str, delta: int = 1) -> None:
        """Atomically adds ``delta`` to the course's students_count."""

    def record_revenue(self, course_id: str, amount: Money) -> None:
        """Atomically adds ``amount`` (may be negative) to the course's revenue in its currency."""


class AuditLog(Protocol):
    def append(self, record: AuditRecord) -> None:
        """Adds a record; records are never changed or removed."""

    def list(self, limit: int, before: datetime | None = None) -> list[AuditRecord]: ...


@dataclass
class RefreshTokenRecord:
    id: str
    family_id: str
    user_id: str
    token_hash: str
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None
    revoked_at: datetime | None = None


class RefreshTokenStore(Protocol):
    def add(self, record: RefreshTokenRecord) -> None: ...
    def get_by_hash(self, token_hash: str) -> RefreshTokenRecord | None: ...
    def mark_used(self, record_id: str, now: datetime) -> bool:
        """Marks an unused token used; False when it was already used (a concurrent refresh)."""

    def revoke_family(self, family_id: str, now: datetime) -> None: ...
    def revoke_user(self, user_id: str, now: datetime) -> None: ...


class UsedTokens(Protocol):
    def consume(self, token_id: str, purpose: str, now: datetime) -> bool:
        """Records a one-time token as used; False when it had been used before."""


@dataclass(frozen=True)
class OutboxMessage:
    id: str
    event_type: str
    payload: dict[str, Any]
    occurred_at: datetime
    handled_by: frozenset[str] = frozenset()


class Outbox(Protocol):
    def claim(self, message_id: str, now: datetime, lease: timedelta) -> OutboxMessage | None:
        """Takes an unprocessed message for ``lease``; None when processed or leased elsewhere."""

    def mark_handled(self, message_id: str, handler: str) -> None:
        """Records that one handler finished; a retry skips it."""

    def mark_processed(self, message_id: str, now: datetime) -> None: ...
    def release(self, message_id: str, error: str) -> None: ...
    def stranded(self, older_than: datetime, now: datetime, limit: int) -> list[str]:
        """Ids of unprocessed, unleased messages that occurred before ``older_than``."""

    def purge_processed(self, processed_before: datetime, limit: int) -> int:
        """Deletes up to ``limit`` messages processed before ``processed_before``, oldest first,
        with their handler records; returns how many. Unprocessed ones are never deleted."""


class UnitOfWork(Protocol):
    """One transaction. Leaving the ``with`` block without ``commit()`` rolls back.

    ``commit()`` stores the events raised by every aggregate the repositories handed out in
    the outbox, in the same transaction, and dispatches them once the commit succeeded.
    """

    users: UserRepository
    courses: CourseRepository
    enrollments: EnrollmentRepository
    statistics: CourseStatistics
    audit: AuditLog
    refresh_tokens: RefreshTokenStore
    used_tokens: UsedTokens
    outbox: Outbox
    orders: OrderRepository
    payments: PaymentRepository
    refunds: RefundRepository
    webhooks: WebhookInbox

    def __enter__(self) -> Self: ...
    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
    def commit(self) -> None:
        """Raises ``Conflict`` when a uniqueness rule was broken by a concurrent writer, or
        when a versioned aggregate (a course) read here was saved meanwhile by another."""

    def rollback(self) -> None: ...


# --- read side -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Page(Generic[T]):
    items: Sequence[T]
    page: int
    page_size: int
    total: int


@dataclass(frozen=True)
class CourseSummary:
    id: str
    slug: str
    title: str
    teacher_id: str
    teacher_name: str
    price: Money
    thumbnail_key: str | None
    lessons_count: int
    published_at: datetime | None


@dataclass(frozen=True)
class CourseStats:
    course_id: str
    students_count: int
    revenue: tuple[Money, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class EnrollmentSummary:
    enrollment_id: str
    course_id: str
    course_title: str
    course_slug: str
    status: str
    enrolled_at: datetime


class CatalogQueries(Protocol):
    def published(self, page: int, page_size: int, search: str | None) -> Page[CourseSummary]:
        """Published courses, newest first; ``search`` matches titles case-insensitively."""

    def by_teacher(self, teacher_id: str) -> list[CourseSummary]: ...
    def statistics(self, course_id: str) -> CourseStats: ...
    def enrollments_of(self, student_id: str) -> list[EnrollmentSummary]:
        """The student's enrollments with their courses' titles, newest first."""


# --- payments --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckoutLine:
    course_id: str
    title: str
    price: Money  # in the currency charged (converted when the provider needed it)


@dataclass(frozen=True)
class PaymentRequest:
    """Everything a provider needs to open one payment attempt."""

    payment_id: str
    order_id: str
    flow: str  # "payment_intent" | "checkout_session" | "paypal_order" | "sandbox"
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
    status: str  # "pending" | "succeeded" | "failed"
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
class WebhookEvent:
    """An authenticated delivery, reduced to what the inbox stores."""

    provider: str
    event_id: str
    event_type: str
    payload: dict[str, Any]


class CardholderChallenge(Protocol):
    """The embedded sandbox's stand-in for a bank's 3-D Secure page (real providers host theirs).
    The cardholder passes or fails the challenge of an attempt in ``requires_action``; the
    outcome reaches eduport as a signed event, like a provider's. Repeating an answer changes
    nothing. Raises ``NotFound`` for an unknown reference and ``GatewayDeclined`` for an
    attempt not confirmed yet."""

    def authenticate(self, reference: str, passed: bool) -> PaymentState: ...


class WebhookAuthenticator(Protocol):
    provider: str

    def authenticate(self, headers: Mapping[str, str], body: bytes) -> WebhookEvent:
        """Verifies the delivery's signature on the raw ``body`` (and its age) and parses it.
        Raises ``InvalidSignature`` for an unsigned, forged or stale delivery."""


@dataclass(frozen=True)
class PaymentNotice:
    """What an event means for our payments, in our terms. The payment is found by our id
    (from the provider's metadata) or by the provider reference."""

    kind: str  # "payment" | "refund" | "dispute_opened" | "dispute_closed" | "ignore"
    payment_id: str | None = None
    reference: str | None = None
    dispute_won: bool | None = None


class WebhookInterpreter(Protocol):
    provider: str

    def interpret(self, event: WebhookEvent) -> PaymentNotice:
        """Maps a provider event to a notice; unknown event types give kind "ignore"."""


@dataclass(frozen=True)
class StoredResponse:
    status: int
    body: str  # the JSON text first answered


class IdempotencyStore(Protocol):
    """Remembers the first answer to a request carrying an ``Idempotency-Key``."""

    def begin(self, scope: str, key: str, request_hash: str) -> StoredResponse | None:
        """None: this request is the first and now holds the key. A StoredResponse: replay
        it. Raises ``Conflict`` while the first request is still in flight and
        ``IdempotencyMismatch`` when the key was used with another request body."""

    def finish(self, scope: str, key: str, response: StoredResponse) -> None: ...

    def abandon(self, scope: str, key: str) -> None:
        """Forgets a key whose request failed on our side (5xx), so a retry runs afresh."""

    def purge(self, older_than: timedelta = ...) -> int:
        """Deletes finished keys (and the answers stored with them) older than ``older_than``,
        24 h by default as at Stripe; returns how many."""


class OrderRepository(Protocol):
    def add(self, order: Order) -> None: ...
    def get(self, order_id: str) -> Order | None: ...


class PaymentRepository(Protocol):
    def add(self, payment: Payment) -> None: ...
    def get(self, payment_id: str, for_update: bool = False) -> Payment | None:
        """``for_update`` locks the row until commit (concurrent confirmations queue)."""

    def by_reference(self, provider: str, reference: str) -> Payment | None: ...
    def open_attempt(self, student_id: str, course_set: str) -> Payment | None: ...
    def open_before(self, moment: datetime, limit: int) -> list[str]:
        """Ids of open payments last changed before ``moment``, oldest first."""

    def expired(self, now: datetime, limit: int) -> list[str]:
        """Ids of open payments whose provider expiry has passed."""


@dataclass
class RefundRecord:
    id: str
    payment_id: str
    amount: Money
    status: str  # requested | pending | succeeded | failed
    requested_by: str
    created_at: datetime
    reason: str | None = None
    provider_reference: str | None = None


class RefundRepository(Protocol):
    def add(self, refund: RefundRecord) -> None: ...
    def update(self, refund_id: str, status: str, provider_reference: str | None) -> None: ...
    def for_payment(self, payment_id: str) -> list[RefundRecord]: ...


@dataclass(frozen=True)
class InboxDelivery:
    id: str
    provider: str
    event_id: str
    event_type: str
    payload: dict[str, Any]
    received_at: datetime
    processed_at: datetime | None = None
    attempts: int = 0
    last_error: str | None = None
    outcome: str | None = None


class WebhookInbox(Protocol):
    def add(self, delivery: InboxDelivery) -> bool:
        """Stores a delivery; False when (provider, event_id) is already there."""

    def claim(self, delivery_id: str, now: datetime, lease: timedelta) -> InboxDelivery | None:
        """Takes an unprocessed delivery for ``lease``; None when processed or leased."""

    def mark_processed(self, delivery_id: str, now: datetime, outcome: str) -> None: ...
    def release(self, delivery_id: str, error: str) -> None: ...
    def get(self, delivery_id: str) -> InboxDelivery | None: ...
    def reopen(self, delivery_id: str) -> bool:
        """Makes a delivery processable again (replay); False when unknown."""

    def unprocessed(self, received_before: datetime, now: datetime, limit: int) -> list[str]:
        """Deliveries stored before ``received_before`` that were never tried, or whose
        processing was abandoned (the lease ran out with no result: the worker died)."""
    def failed(self, limit: int) -> list[str]:
        """Unprocessed deliveries whose last attempt failed."""

    def purge_processed(self, processed_before: datetime, limit: int) -> int:
        """Deletes up to ``limit`` deliveries processed before ``processed_before``, oldest
        first; returns how many. Unprocessed and failed ones are never deleted. A provider that
        sends a purged event again gets it stored and processed again (processing is
        idempotent), so retention should outlast the providers' retry windows."""


class Cache(Protocol):
    """A small shared key-value store (Redis in production, process memory by default)."""

    def get(self, key: str) -> bytes | None:
        """The value, or None when absent or expired. Failures read as a miss."""

    def set(self, key: str, value: bytes, ttl_seconds: int) -> None:
        """Stores ``value`` for ``ttl_seconds``; failures are swallowed (it is a cache)."""

    def incr(self, key: str) -> int:
        """Atomically adds one and returns the new value (0 when the store is unreachable)."""
