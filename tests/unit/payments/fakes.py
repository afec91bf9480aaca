"""Fakes of the payments area: a payment provider, exchange rates and payment records."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, ClassVar

from application.accounts.directory import UserDirectory
from application.payments.ports import (
    PaymentRequest,
    PaymentSession,
    PaymentState,
    RefundReceipt,
    RefundRecord,
)
from domain.accounts.model import User
from domain.payments.model import PAID, ExchangeRate, Order, Payment
from domain.shared.errors import Conflict
from domain.shared.money import Money
from tests.unit.accounts.fakes import FakeUserRepository
from tests.unit.catalog.fakes import CATALOG_TABLES, CATALOG_UNIQUE, course_access
from tests.unit.identity.fakes import IDENTITY_TABLES, identity_standing
from tests.unit.shared.fakes import FakeAuditLog, FakeDatabase, FakeUnitOfWorkBase, _Repo


class _TransactionView(_Repo):
    """Reads what the transaction sees, as the database shows a transaction its own changes:
    the committed rows, with the aggregates this transaction added or took (its working
    copies) in their place."""

    kind: ClassVar[type[Any]]
    table: ClassVar[str]

    def _visible(self) -> dict[str, Any]:
        rows = dict(getattr(self.uow.db, self.table))
        rows.update({key: aggregate for (kind, key), aggregate in self.uow.identity.items()
                     if kind is self.kind})
        return rows


class FakeOrderRepository(_TransactionView):
    kind, table = Order, "orders"

    def add(self, order: Order) -> None:
        self.uow.staged_ops.append(lambda db: db.orders.__setitem__(order.id, order))
        self._track(order)

    def get(self, order_id: str) -> Order | None:
        return self._take(self._visible().get(order_id))


class FakePaymentRepository(_TransactionView):
    kind, table = Payment, "payments"

    def add(self, payment: Payment) -> None:
        def insert(db: FakeDatabase) -> None:
            if payment.is_open and any(
                    p.is_open and p.student_id == payment.student_id
                    and p.purchase == payment.purchase for p in db.payments.values()):
                raise Conflict("one open attempt per student and purchase")
            db.payments[payment.id] = payment
        self.uow.staged_ops.insert(0, insert)
        self._track(payment)

    def get(self, payment_id: str, for_update: bool = False) -> Payment | None:
        return self._take(self._visible().get(payment_id))

    def _first(self, matches: Callable[[Payment], bool]) -> Payment | None:
        return self._take(next((p for p in self._visible().values() if matches(p)), None))

    def by_reference(self, provider: str, reference: str) -> Payment | None:
        return self._first(lambda p: p.provider == provider
                           and reference in (p.provider_reference, p.provider_payment_id))

    def open_attempt(self, student_id: str, purchase: str) -> Payment | None:
        return self._first(lambda p: p.is_open and p.student_id == student_id
                           and p.purchase == purchase)

    def open_before(self, moment: datetime, limit: int) -> list[str]:
        found = sorted((p for p in self._visible().values()
                        if p.is_open and p.updated_at < moment), key=lambda p: p.updated_at)
        return [p.id for p in found][:limit]  # oldest first, as the port says

    def expired(self, now: datetime, limit: int) -> list[str]:
        return [p.id for p in self._visible().values()
                if p.is_open and p.expires_at is not None and p.expires_at < now][:limit]

    def paid_unreconciled(self, before: datetime, since: datetime, limit: int) -> list[str]:
        found = sorted((p.reconciled_at or p.updated_at, p.id) for p in self._visible().values()
                       if p.status in PAID and p.created_at > since
                       and (p.reconciled_at or p.updated_at) < before)
        return [payment_id for _, payment_id in found][:limit]


class FakeRefundRepository(_Repo):
    def add(self, refund: RefundRecord) -> None:
        self.uow.staged_ops.append(lambda db: db.refunds.__setitem__(refund.id, refund))

    def update(self, refund_id: str, status: str, provider_reference: str | None) -> None:
        def change(db: FakeDatabase) -> None:
            db.refunds[refund_id].status = status
            db.refunds[refund_id].provider_reference = provider_reference
        self.uow.staged_ops.append(change)

    def for_payment(self, payment_id: str) -> list[RefundRecord]:
        return [replace(r) for r in self.uow.db.refunds.values() if r.payment_id == payment_id]

    def unsettled(self, created_before: datetime, limit: int) -> list[str]:
        waiting = sorted((r.created_at, r.payment_id) for r in self.uow.db.refunds.values()
                         if r.status in ("requested", "pending") and r.created_at < created_before)
        return list(dict.fromkeys(payment_id for _, payment_id in waiting))[:limit]


class FakeCheckoutHolds(_Repo):
    def _all(self) -> dict[tuple[str, str], str]:
        staged: dict[tuple[str, str], str | None] = self._staged()
        merged = {**self.uow.db.checkout_holds, **staged}
        return {key: value for key, value in merged.items() if value is not None}

    def holders(self, student_id: str, course_ids: Sequence[str]) -> dict[str, str]:
        held = self._all()
        return {c: held[student_id, c] for c in course_ids if (student_id, c) in held}

    def hold(self, student_id: str, course_ids: Sequence[str], payment_id: str) -> None:
        held = self._all()
        if any((student_id, c) in held for c in course_ids):
            raise Conflict("another checkout holds one of these courses")
        for course_id in course_ids:
            self._stage((student_id, course_id), payment_id)

    def release(self, student_id: str, payment_ids: Sequence[str]) -> None:
        for key, holder in self._all().items():
            if key[0] == student_id and holder in payment_ids:
                self._stage(key, None)

    def _staged(self) -> Any:
        # This transaction's changes, dropped with it like any staged change.
        return self.uow.staged.setdefault(FakeCheckoutHolds, {})

    def _stage(self, key: tuple[str, str], payment_id: str | None) -> None:
        self._staged()[key] = payment_id

        def apply(db: FakeDatabase) -> None:
            if payment_id is None:
                db.checkout_holds.pop(key, None)
            else:
                db.checkout_holds[key] = payment_id
        self.uow.staged_ops.append(apply)


@dataclass
class FakeProviderPayment:
    request: PaymentRequest
    status: str = "pending"
    refunded_minor: int = 0
    received: Money | None = None
    failure_reason: str | None = None


class FakePaymentGateway:
    """A provider in memory. Tests move payments with ``succeed``/``fail``/``require_action``
    and make it unavailable with ``down``; what it was asked is kept in ``calls``."""

    def __init__(self, provider: str = "fakepay", currencies: frozenset[str] | None = None,
                 received_override: Money | None = None) -> None:
        self.provider, self.currencies = provider, currencies
        self.payments: dict[str, FakeProviderPayment] = {}
        self.by_key: dict[str, str] = {}
        self.refund_keys: dict[str, RefundReceipt] = {}
        self.calls: list[tuple[str, str]] = []
        self.down = False
        self.received_override = received_override
        self.refunds_pending = False  # True: refunds answer "pending" until settle_refunds
        self.unsettled: dict[str, int] = {}  # reference -> pending refunded minor units

    def _available(self, call: str, key: str) -> None:
        self.calls.append((call, key))
        if self.down:
            from application.payments.errors import GatewayUnavailable

            raise GatewayUnavailable(f"{self.provider} is down")

    def supports(self, currency: str) -> bool:
        return self.currencies is None or currency in self.currencies

    def start(self, request: PaymentRequest) -> PaymentSession:
        self._available("start", request.idempotency_key)
        reference = self.by_key.setdefault(request.idempotency_key, f"ref-{len(self.by_key) + 1}")
        self.payments.setdefault(reference, FakeProviderPayment(request))
        return PaymentSession(self.provider, reference, f"{reference}_secret",
                              f"https://pay.example.test/{reference}", request.expires_at)

    def succeed(self, reference: str) -> None:
        payment = self.payments[reference]
        payment.status = "succeeded"
        payment.received = self.received_override or payment.request.amount

    def fail(self, reference: str, reason: str = "card_declined") -> None:
        self.payments[reference].status, self.payments[reference].failure_reason = "failed", reason

    def require_action(self, reference: str) -> None:
        self.payments[reference].status = "requires_action"

    def fetch(self, reference: str) -> PaymentState:
        self._available("fetch", reference)
        p = self.payments[reference]
        return PaymentState(reference, p.status, p.received, f"pay-{reference}",
                            p.refunded_minor, p.failure_reason,
                            {"type": "3ds"} if p.status == "requires_action" else None)

    def complete(self, reference: str, idempotency_key: str) -> PaymentState:
        return self.fetch(reference)

    def cancel(self, reference: str, idempotency_key: str) -> None:
        self._available("cancel", idempotency_key)
        if self.payments[reference].status in ("pending", "requires_action", "failed"):
            self.payments[reference].status = "canceled"

    def refund(self, reference: str, payment_id: str | None, amount: Money,
               idempotency_key: str) -> RefundReceipt:
        self._available("refund", idempotency_key)
        if idempotency_key not in self.refund_keys:
            if self.refunds_pending:
                self.unsettled[reference] = self.unsettled.get(reference, 0) + \
                    amount.amount_minor
            else:
                self.payments[reference].refunded_minor += amount.amount_minor
            self.refund_keys[idempotency_key] = RefundReceipt(
                f"re-{len(self.refund_keys) + 1}",
                "pending" if self.refunds_pending else "succeeded", amount)
        return self.refund_keys[idempotency_key]

    def settle_refunds(self, reference: str) -> None:
        """The provider finishes the pending refunds (and would send their event)."""
        self.payments[reference].refunded_minor += self.unsettled.pop(reference, 0)


class FakeExchangeRates:
    def __init__(self, rates: dict[tuple[str, str], str] | None = None) -> None:
        self.rates = rates or {}

    def rate(self, source: str, target: str) -> ExchangeRate:
        if (source, target) not in self.rates:
            from application.payments.errors import RateUnavailable

            raise RateUnavailable(f"no exchange rate from {source} to {target}")
        return ExchangeRate(source, target, self.rates[(source, target)], "test",
                            datetime(2026, 1, 1, tzinfo=UTC))


class FakePaymentsUnitOfWork(FakeUnitOfWorkBase):
    repositories: ClassVar[Mapping[str, Callable[[Any], Any]]] = {
        "orders": FakeOrderRepository,
        "payments": FakePaymentRepository,
        "refunds": FakeRefundRepository,
        "holds": FakeCheckoutHolds,
        "audit": FakeAuditLog,
        "course_access": course_access,
        "accounts": lambda uow: UserDirectory(FakeUserRepository(uow)),
        "standing": identity_standing,
    }
    # Settlement writes enrollments and users are read through the published seams, and
    # checkout the identity area's verifications.
    tables: ClassVar[Mapping[type[Any], str]] = {
        Order: "orders", Payment: "payments", User: "users", **CATALOG_TABLES,
        **IDENTITY_TABLES}
    unique = CATALOG_UNIQUE
