"""Payments in the database: orders, payments, refunds (and the sandbox's own rows); their mapping
and repositories."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    UniqueConstraint,
    delete,
    func,
    insert,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, composite, registry, relationship

from adapters.outbound.persistence.accounts import SqlUserRepository
from adapters.outbound.persistence.catalog import course_access
from adapters.outbound.persistence.identity import identity_standing
from adapters.outbound.persistence.schema import ID, EnumText, metadata, utc
from adapters.outbound.persistence.shared import Tracker
from adapters.outbound.persistence.unit_of_work import SqlUnitOfWork, audit_log
from application.accounts.directory import UserDirectory
from application.payments.ports import RefundRecord, RefundStatus
from domain.payments.model import (
    OPEN,
    PAID,
    Order,
    OrderLine,
    OrderLineKind,
    Payment,
    PaymentStatus,
)
from domain.shared.errors import Conflict
from domain.shared.money import Money

orders = Table(
    "orders",
    metadata,
    Column("id", ID, primary_key=True),
    Column("student_id", ID, ForeignKey("users.id"), nullable=False, index=True),
    Column("currency", String(3), nullable=False),
    Column("created_at", utc(), nullable=False),
)


# The lines' kinds, as the migration froze them: a course line names its course, a credit
# pack line its pack and the credits it grants, and never both.
ORDER_LINE_KINDS = (
    "(kind = 'course' AND course_id IS NOT NULL AND credit_pack_id IS NULL "
    "AND credits_minor IS NULL) OR "
    "(kind = 'credit_pack' AND course_id IS NULL AND credit_pack_id IS NOT NULL "
    "AND credits_minor > 0)")


order_lines = Table(
    "order_lines",
    metadata,
    Column("id", ID, primary_key=True),
    Column("order_id", ID, ForeignKey("orders.id", ondelete="CASCADE"), nullable=False,
           index=True),
    Column("kind", EnumText(OrderLineKind), nullable=False,
           server_default=OrderLineKind.COURSE.value),
    Column("course_id", ID, ForeignKey("courses.id")),
    Column("credit_pack_id", String(32)),
    Column("credits_minor", BigInteger),
    Column("title", String(200), nullable=False),
    Column("price_minor", BigInteger, nullable=False),
    Column("price_currency", String(3), nullable=False),
    CheckConstraint(ORDER_LINE_KINDS, name="order_line_kind_fields"),
)


# The domain's open statuses, in their declared order (the migration froze the same text).
_OPEN_PAYMENT = "status IN ({})".format(
    ", ".join(f"'{status.value}'" for status in PaymentStatus if status in OPEN))


payments = Table(
    "payments",
    metadata,
    Column("id", ID, primary_key=True),
    Column("order_id", ID, ForeignKey("orders.id"), nullable=False, index=True),
    Column("student_id", ID, ForeignKey("users.id"), nullable=False),
    Column("provider", String(32), nullable=False),
    Column("flow", String(32), nullable=False),
    Column("amount_minor", BigInteger, nullable=False),
    Column("amount_currency", String(3), nullable=False),
    Column("order_total_minor", BigInteger, nullable=False),
    Column("order_total_currency", String(3), nullable=False),
    # Payment.purchase: the sorted course ids, or credit_pack:<id> (the column kept its name
    # from when only courses were sold).
    Column("course_set", Text, nullable=False),
    Column("status", EnumText(PaymentStatus), nullable=False),
    Column("provider_reference", String(255)),
    Column("provider_payment_id", String(255)),
    Column("client_secret", String(255)),
    Column("redirect_url", Text),
    Column("expires_at", utc()),
    Column("refunded_minor", BigInteger, nullable=False),
    Column("failure_reason", String(200)),
    Column("rate", String(40)),
    Column("rate_source", String(100)),
    Column("rate_fetched_at", utc()),
    Column("dispute_outcome", String(8)),
    Column("created_at", utc(), nullable=False),
    Column("updated_at", utc(), nullable=False),
    Column("reconciled_at", utc()),
    UniqueConstraint("provider", "provider_reference", name="uq_payments_provider_reference"),
    Index("ix_payments_status_updated_at", "status", "updated_at"),
    # At most one open attempt per student and purchase: never two live charges.
    Index("uq_payments_one_open_attempt", "student_id", "course_set", unique=True,
          sqlite_where=text(_OPEN_PAYMENT), postgresql_where=text(_OPEN_PAYMENT)),
)


# Which open attempt holds each course of a student: the primary key is the rule that no course
# is in two open attempts of one student, whatever their course sets (a hold outlives its
# attempt until a later checkout replaces it).
checkout_holds = Table(
    "checkout_holds",
    metadata,
    Column("student_id", ID, primary_key=True),
    Column("course_id", ID, primary_key=True),
    Column("payment_id", ID, ForeignKey("payments.id"), nullable=False, index=True),
)


refunds = Table(
    "refunds",
    metadata,
    Column("id", ID, primary_key=True),
    Column("payment_id", ID, ForeignKey("payments.id"), nullable=False, index=True),
    Column("amount_minor", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("status", String(16), nullable=False),
    Column("provider_reference", String(255)),
    Column("requested_by", ID, nullable=False),
    Column("reason", String(200)),
    Column("created_at", utc(), nullable=False),
)


sandbox_payments = Table(
    "sandbox_payments",
    metadata,
    Column("reference", String(64), primary_key=True),
    Column("idempotency_key", String(255), nullable=False, unique=True),
    Column("payment_id", ID, nullable=False),
    Column("order_id", ID, nullable=False),
    Column("amount_minor", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("payment_method", String(64)),
    Column("status", String(32), nullable=False),
    Column("refunded_minor", BigInteger, nullable=False),
    Column("failure_reason", String(200)),
    Column("created_at", utc(), nullable=False),
)


sandbox_events = Table(
    "sandbox_events",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("reference", String(64), nullable=False, index=True),
    Column("event_type", String(100), nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", utc(), nullable=False),
)



class SqlOrderRepository:
    def __init__(self, session: Session, tracker: Tracker) -> None:
        self.session, self.tracker = session, tracker

    def add(self, order: Order) -> None:
        self.session.add(order)
        self.tracker.track(order)

    def get(self, order_id: str) -> Order | None:
        order = self.session.get(Order, order_id)
        self.tracker.track(order)
        return order


class SqlPaymentRepository:
    def __init__(self, session: Session, tracker: Tracker) -> None:
        self.session, self.tracker = session, tracker

    def _one(self, query: Any) -> Payment | None:
        payment = self.session.scalars(query).first()
        self.tracker.track(payment)
        return payment

    def add(self, payment: Payment) -> None:
        self.session.add(payment)
        self.tracker.track(payment)

    def get(self, payment_id: str, for_update: bool = False) -> Payment | None:
        query = select(Payment).where(payments.c.id == payment_id)
        if for_update:
            # populate_existing: re-read the locked row even if this session saw it before.
            query = query.with_for_update().execution_options(populate_existing=True)
        return self._one(query)

    def by_reference(self, provider: str, reference: str) -> Payment | None:
        c = payments.c
        return self._one(select(Payment).where(
            c.provider == provider,
            or_(c.provider_reference == reference, c.provider_payment_id == reference)))

    def open_attempt(self, student_id: str, purchase: str) -> Payment | None:
        c = payments.c
        return self._one(select(Payment).where(
            c.student_id == student_id, c.course_set == purchase,
            c.status.in_([s.value for s in OPEN])))

    def open_before(self, moment: datetime, limit: int) -> list[str]:
        c = payments.c
        query = (select(c.id).where(c.status.in_([s.value for s in OPEN]), c.updated_at < moment)
                 .order_by(c.updated_at).limit(limit))
        return list(self.session.scalars(query))

    def expired(self, now: datetime, limit: int) -> list[str]:
        c = payments.c
        query = (select(c.id).where(c.status.in_([s.value for s in OPEN]), c.expires_at < now)
                 .order_by(c.expires_at).limit(limit))
        return list(self.session.scalars(query))


    def paid_unreconciled(self, before: datetime, since: datetime, limit: int) -> list[str]:
        c = payments.c
        last = func.coalesce(c.reconciled_at, c.updated_at)
        query = (select(c.id).where(c.status.in_([s.value for s in PAID]), c.created_at > since,
                                    last < before)
                 .order_by(last).limit(limit))
        return list(self.session.scalars(query))


class SqlCheckoutHolds:
    def __init__(self, session: Session) -> None:
        self.session = session

    def holders(self, student_id: str, course_ids: Sequence[str]) -> dict[str, str]:
        c = checkout_holds.c
        rows = self.session.execute(select(c.course_id, c.payment_id).where(
            c.student_id == student_id, c.course_id.in_(list(course_ids))))
        return {str(row.course_id): str(row.payment_id) for row in rows}

    def hold(self, student_id: str, course_ids: Sequence[str], payment_id: str) -> None:
        if not course_ids:  # a credit pack holds no course
            return
        try:
            self.session.execute(insert(checkout_holds), [
                {"student_id": student_id, "course_id": course_id, "payment_id": payment_id}
                for course_id in course_ids])
        except IntegrityError as error:  # the primary key: another attempt holds a course
            raise Conflict("another checkout holds one of these courses") from error

    def release(self, student_id: str, payment_ids: Sequence[str]) -> None:
        if payment_ids:
            c = checkout_holds.c
            self.session.execute(delete(checkout_holds).where(
                c.student_id == student_id, c.payment_id.in_(list(payment_ids))))


class SqlRefundRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, refund: RefundRecord) -> None:
        self.session.execute(insert(refunds).values(
            id=refund.id, payment_id=refund.payment_id, amount_minor=refund.amount.amount_minor,
            currency=refund.amount.currency, status=refund.status,
            provider_reference=refund.provider_reference, requested_by=refund.requested_by,
            reason=refund.reason, created_at=refund.created_at))

    def update(self, refund_id: str, status: str, provider_reference: str | None) -> None:
        self.session.execute(update(refunds).where(refunds.c.id == refund_id).values(
            status=status, provider_reference=provider_reference))

    def unsettled(self, created_before: datetime, limit: int) -> list[str]:
        c = refunds.c
        oldest = (select(c.payment_id, func.min(c.created_at).label("first"))
                  .where(c.status.in_([RefundStatus.REQUESTED, RefundStatus.PENDING]),
                         c.created_at < created_before)
                  .group_by(c.payment_id).subquery())
        return list(self.session.scalars(select(oldest.c.payment_id)
                                         .order_by(oldest.c.first).limit(limit)))

    def for_payment(self, payment_id: str) -> list[RefundRecord]:
        rows = self.session.execute(select(refunds).where(refunds.c.payment_id == payment_id)
                                    .order_by(refunds.c.created_at, refunds.c.id)).mappings()
        return [RefundRecord(id=r["id"], payment_id=r["payment_id"],
                             amount=Money(r["amount_minor"], r["currency"]), status=r["status"],
                             requested_by=r["requested_by"], created_at=r["created_at"],
                             reason=r["reason"], provider_reference=r["provider_reference"])
                for r in rows]


def map_payments(mapper: registry) -> None:
    mapper.map_imperatively(
        OrderLine,
        order_lines,
        properties={"price": composite(Money, order_lines.c.price_minor,
                                       order_lines.c.price_currency)},
    )
    mapper.map_imperatively(
        Order,
        orders,
        properties={"lines": relationship(OrderLine, order_by=order_lines.c.id,
                                          cascade="all, delete-orphan", lazy="selectin")},
    )
    p = payments.c
    mapper.map_imperatively(
        Payment,
        payments,
        properties={
            "amount": composite(Money, p.amount_minor, p.amount_currency),
            "order_total": composite(Money, p.order_total_minor, p.order_total_currency),
            "purchase": p.course_set,
        },
    )


class SqlPaymentsUnitOfWork(SqlUnitOfWork):
    repositories: ClassVar[Mapping[str, Callable[[SqlUnitOfWork], Any]]] = {
        "orders": lambda uow: SqlOrderRepository(uow.session, uow.tracker),
        "payments": lambda uow: SqlPaymentRepository(uow.session, uow.tracker),
        "refunds": lambda uow: SqlRefundRepository(uow.session),
        "holds": lambda uow: SqlCheckoutHolds(uow.session),
        "audit": audit_log,
        "course_access": course_access,
        "accounts": lambda uow: UserDirectory(SqlUserRepository(uow.session, uow.tracker)),
        "standing": identity_standing,
    }
