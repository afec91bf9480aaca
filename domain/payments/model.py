"""Orders and their payments: what a student buys, and the state of the money."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from domain.payments.credit_packs import CreditPack
from domain.payments.events import (
    DisputeClosed,
    DisputeOpened,
    PaymentFailed,
    PaymentRefunded,
    PaymentSucceeded,
)
from domain.shared.errors import InvalidState, InvalidValue
from domain.shared.model import Aggregate
from domain.shared.money import Money


class Flow(StrEnum):
    """How the student pays: the provider's kind of attempt."""

    PAYMENT_INTENT = "payment_intent"
    CHECKOUT_SESSION = "checkout_session"
    PAYPAL_ORDER = "paypal_order"
    SANDBOX = "sandbox"


class PaymentStatus(StrEnum):
    PENDING = "pending"
    REQUIRES_ACTION = "requires_action"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELED = "canceled"
    EXPIRED = "expired"
    PARTIALLY_REFUNDED = "partially_refunded"
    REFUNDED = "refunded"
    DISPUTED = "disputed"
    CHARGED_BACK = "charged_back"


S = PaymentStatus
# Money that arrived is never ignored: a declined card leaves a Stripe PaymentIntent open for
# another card, and a provider may capture an attempt we had just expired or canceled (the close
# call lost the race), so FAILED, EXPIRED and CANCELED may still become SUCCEEDED. Terminal:
# REFUNDED and CHARGED_BACK (a lost dispute).
TRANSITIONS: dict[PaymentStatus, frozenset[PaymentStatus]] = {
    S.PENDING: frozenset({S.REQUIRES_ACTION, S.SUCCEEDED, S.FAILED, S.CANCELED, S.EXPIRED}),
    S.REQUIRES_ACTION: frozenset({S.PENDING, S.SUCCEEDED, S.FAILED, S.CANCELED, S.EXPIRED}),
    S.FAILED: frozenset({S.REQUIRES_ACTION, S.SUCCEEDED, S.CANCELED, S.EXPIRED}),
    S.SUCCEEDED: frozenset({S.PARTIALLY_REFUNDED, S.REFUNDED, S.DISPUTED}),
    S.PARTIALLY_REFUNDED: frozenset({S.REFUNDED, S.DISPUTED}),
    S.DISPUTED: frozenset({S.SUCCEEDED, S.PARTIALLY_REFUNDED, S.CHARGED_BACK}),
    # A canceled attempt was replaced (another provider, card or set of courses): money that
    # reaches it anyway bought nothing and is refunded. An expired one was abandoned: money
    # arriving late still enrolls.
    S.CANCELED: frozenset(),
    S.EXPIRED: frozenset({S.SUCCEEDED}),
    S.REFUNDED: frozenset(),
    S.CHARGED_BACK: frozenset(),
}
OPEN = frozenset({S.PENDING, S.REQUIRES_ACTION, S.FAILED})
PAID = frozenset({S.SUCCEEDED, S.PARTIALLY_REFUNDED, S.DISPUTED})


@dataclass(frozen=True)
class ExchangeRate:
    """A snapshot: ``rate`` is a decimal string (target units per source unit)."""

    source_currency: str
    target_currency: str
    rate: str
    source: str
    fetched_at: datetime


class OrderLineKind(StrEnum):
    """What an order line sells."""

    COURSE = "course"
    CREDIT_PACK = "credit_pack"


@dataclass(eq=False)
class OrderLine:
    """One thing bought, at the price it had then: a course (``course_id``), or a credit pack
    (``credit_pack_id`` and the ``credits_minor`` it grants, in the price's currency)."""

    id: str
    kind: OrderLineKind
    title: str
    price: Money
    course_id: str | None = None
    credit_pack_id: str | None = None
    credits_minor: int | None = None

    def __post_init__(self) -> None:
        # The same rule as the order_lines CHECK: each kind has its own fields, only those.
        if self.kind is OrderLineKind.COURSE:
            valid = self.course_id is not None and self.credit_pack_id is None and \
                self.credits_minor is None
        else:
            valid = self.course_id is None and self.credit_pack_id is not None and \
                (self.credits_minor or 0) > 0
        if not valid:
            raise InvalidValue("a course line names its course; a credit pack line its pack "
                               "and the credits it grants; never both")

    @classmethod
    def for_course(cls, line_id: str, course_id: str, title: str, price: Money) -> OrderLine:
        return cls(line_id, OrderLineKind.COURSE, title, price, course_id=course_id)

    @classmethod
    def for_credit_pack(cls, line_id: str, pack: CreditPack) -> OrderLine:
        return cls(line_id, OrderLineKind.CREDIT_PACK, pack.title, pack.price,
                   credit_pack_id=pack.id, credits_minor=pack.credits.amount_minor)

    @property
    def item_id(self) -> str:
        """How a provider names the item: the course id, or ``credit_pack:<id>``."""
        if self.kind is OrderLineKind.COURSE:
            return str(self.course_id)
        return f"credit_pack:{self.credit_pack_id}"

    @property
    def credits(self) -> Money:
        """What a credit pack line grants (zero for a course)."""
        return Money(self.credits_minor or 0, self.price.currency)


@dataclass(eq=False)
class Order(Aggregate):
    """What a student buys in one checkout: paid courses, or one credit pack, never both
    (a refund or a dispute then concerns one kind of thing)."""

    id: str
    student_id: str
    currency: str
    created_at: datetime
    lines: list[OrderLine] = field(default_factory=list)

    def __post_init__(self) -> None:
        kinds = [line.kind for line in self.lines]
        if kinds.count(OrderLineKind.CREDIT_PACK) and len(kinds) > 1:
            raise InvalidValue("a credit pack is bought on its own, without courses or "
                               "another pack")

    @property
    def total(self) -> Money:
        total = Money.zero(self.currency)
        for line in self.lines:
            total = total + line.price
        return total

    @property
    def course_lines(self) -> list[OrderLine]:
        return [line for line in self.lines if line.kind is OrderLineKind.COURSE]

    @property
    def course_ids(self) -> tuple[str, ...]:
        return tuple(sorted(str(line.course_id) for line in self.course_lines))

    @property
    def credit_pack(self) -> OrderLine | None:
        """The credit pack line, when the order buys one."""
        return next((line for line in self.lines if line.kind is OrderLineKind.CREDIT_PACK),
                    None)

    @staticmethod
    def course_set_key(course_ids: list[str] | tuple[str, ...]) -> str:
        """Identifies "these courses for this student" whatever order they were listed in."""
        return ",".join(sorted(set(course_ids)))


@dataclass(eq=False)
class Payment(Aggregate):
    id: str
    order_id: str
    student_id: str
    provider: str
    flow: str
    amount: Money  # what the provider charges, in the provider's currency
    order_total: Money  # what the order costs, in the catalog's (or the pack's) currency
    # What is bought, for "one open attempt per student and purchase": the order's sorted
    # course ids (Order.course_set_key), or a credit pack's CreditPack.purchase.
    purchase: str
    created_at: datetime
    updated_at: datetime
    status: PaymentStatus = PaymentStatus.PENDING
    provider_reference: str | None = None
    provider_payment_id: str | None = None
    client_secret: str | None = None
    redirect_url: str | None = None
    expires_at: datetime | None = None
    refunded_minor: int = 0
    failure_reason: str | None = None
    rate: str | None = None
    rate_source: str | None = None
    rate_fetched_at: datetime | None = None
    dispute_outcome: str | None = None  # "won" | "lost" once a dispute closed
    reconciled_at: datetime | None = None  # last compared with the provider after paying

    @property
    def is_open(self) -> bool:
        return self.status in OPEN

    def reconciled(self, now: datetime) -> None:
        """Compared with the provider's state (and settled to it) at ``now``."""
        self.reconciled_at = now

    @property
    def grants_access(self) -> bool:
        return self.status in (S.SUCCEEDED, S.PARTIALLY_REFUNDED)

    @property
    def refundable(self) -> Money:
        return Money(self.amount.amount_minor - self.refunded_minor, self.amount.currency)

    def attach(self, reference: str, client_secret: str | None, redirect_url: str | None,
               expires_at: datetime | None, now: datetime) -> None:
        self.provider_reference = reference
        self.client_secret, self.redirect_url, self.expires_at = client_secret, redirect_url, \
            expires_at
        self.updated_at = now

    def apply_rate(self, rate: ExchangeRate) -> None:
        self.rate, self.rate_source, self.rate_fetched_at = rate.rate, rate.source, \
            rate.fetched_at

    def _move(self, target: PaymentStatus, now: datetime) -> bool:
        """Moves to ``target``; False when already there (webhooks repeat); raises when the
        machine does not allow it."""
        if self.status == target:
            return False
        if target not in TRANSITIONS[self.status]:
            raise InvalidState(f"a {self.status.value} payment cannot become {target.value}")
        self.status, self.updated_at = target, now
        return True

    def require_action(self, now: datetime) -> None:
        self._move(S.REQUIRES_ACTION, now)

    def succeed(self, received: Money, now: datetime, provider_payment_id: str | None) -> bool:
        if received != self.amount:
            raise InvalidValue(f"the provider received {received.to_decimal_string()} "
                               f"{received.currency}, the payment is for "
                               f"{self.amount.to_decimal_string()} {self.amount.currency}")
        if self.status in PAID:
            return False
        moved = self._move(S.SUCCEEDED, now)
        self.provider_payment_id = provider_payment_id or self.provider_payment_id
        self.failure_reason = None
        self.events.append(PaymentSucceeded(payment_id=self.id, order_id=self.order_id,
                                            student_id=self.student_id))
        return moved

    def fail(self, reason: str, now: datetime) -> None:
        if self._move(S.FAILED, now):
            self.failure_reason = reason[:200]
            self.events.append(PaymentFailed(payment_id=self.id, student_id=self.student_id,
                                             reason=self.failure_reason))

    def cancel(self, now: datetime) -> None:
        self._move(S.CANCELED, now)

    def expire(self, now: datetime) -> None:
        self._move(S.EXPIRED, now)

    def record_refund(self, total_refunded_minor: int, now: datetime) -> bool:
        """``total_refunded_minor`` is the provider's running total; repeats are no-ops."""
        if total_refunded_minor <= self.refunded_minor:
            return False
        if total_refunded_minor > self.amount.amount_minor:
            raise InvalidValue("refunded more than was paid")
        full = total_refunded_minor == self.amount.amount_minor
        target = S.REFUNDED if full else S.PARTIALLY_REFUNDED
        if self.status != S.DISPUTED:
            self._move(target, now)
        self.refunded_minor = total_refunded_minor
        self.updated_at = now
        self.events.append(PaymentRefunded(payment_id=self.id, order_id=self.order_id,
                                           student_id=self.student_id,
                                           refunded_minor=total_refunded_minor, full=full))
        return True

    def open_dispute(self, now: datetime) -> bool:
        """A charge is disputed at most once: an "opened" arriving after "closed" is stale."""
        if self.dispute_outcome is not None or self.status == S.CHARGED_BACK:
            return False
        if self._move(S.DISPUTED, now):
            self.events.append(DisputeOpened(payment_id=self.id, order_id=self.order_id,
                                             student_id=self.student_id))
            return True
        return False

    def close_dispute(self, won: bool, now: datetime) -> bool:
        """Events may arrive out of order: a dispute closed before we heard it opened is
        remembered (a late "opened" then does nothing), and funds reversed without any
        dispute (PayPal's PAYMENT.CAPTURE.REVERSED) are a lost one."""
        if self.dispute_outcome is not None:
            return False
        self.dispute_outcome = "won" if won else "lost"
        if self.status != S.DISPUTED:
            if won or self.status not in (S.SUCCEEDED, S.PARTIALLY_REFUNDED):
                return False
            self._move(S.DISPUTED, now)
        if won:
            partial = 0 < self.refunded_minor < self.amount.amount_minor
            self._move(S.PARTIALLY_REFUNDED if partial else S.SUCCEEDED, now)
        else:
            self._move(S.CHARGED_BACK, now)
        self.events.append(DisputeClosed(payment_id=self.id, order_id=self.order_id,
                                         student_id=self.student_id, won=won))
        return True
