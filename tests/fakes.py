"""One ``Fake<Port>`` per port: in-memory, deterministic, asserted on by state."""

from __future__ import annotations

import copy
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Any, Self, TypeVar

from application.accounts.directory import UserDirectory
from application.accounts.ports import IssuedAccessToken, OneTimeClaims, RefreshTokenRecord
from application.catalog.course_access import CatalogCourseAccess
from application.catalog.ports import CourseStats, CourseSummary, EnrollmentSummary
from application.messaging.ports import EmailMessage
from application.payments.ports import (
    PaymentRequest,
    PaymentSession,
    PaymentState,
    RefundReceipt,
    RefundRecord,
)
from application.shared.ports import InboxDelivery, OutboxMessage, Page, Principal
from domain.accounts.model import User
from domain.catalog.enrollment import Enrollment
from domain.catalog.model import Course
from domain.payments.model import ExchangeRate, Order, Payment
from domain.shared.audit import AuditRecord
from domain.shared.errors import AuthenticationFailed, Conflict, InvalidToken
from domain.shared.model import Aggregate
from domain.shared.money import Money

A = TypeVar("A", bound=Aggregate)


class FakeClock:
    def __init__(self, start: datetime | None = None) -> None:
        self.current = start or datetime(2026, 1, 5, 9, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)


class FakeIdGenerator:
    def __init__(self) -> None:
        self._counter = itertools.count(1)

    def new_id(self) -> str:
        return f"id-{next(self._counter):04d}"


class FakePasswordHasher:
    """Reversible on purpose: tests read what was hashed. Never use outside tests."""

    def hash(self, password: str) -> str:
        return "hashed:" + password

    def verify(self, password_hash: str, password: str) -> bool:
        return password_hash == "hashed:" + password

    def needs_rehash(self, password_hash: str) -> bool:
        return False

    def verify_decoy(self, password: str) -> None:
        self.decoy_checks = getattr(self, "decoy_checks", 0) + 1


class FakeAccessTokens:
    def __init__(self, clock: FakeClock, ttl_seconds: int = 900) -> None:
        self.clock, self.ttl = clock, ttl_seconds
        self.issued: dict[str, tuple[Principal, datetime]] = {}

    def issue(self, user_id: str, role: str) -> IssuedAccessToken:
        token = f"access-{len(self.issued) + 1}"
        expires = self.clock.now() + timedelta(seconds=self.ttl)
        self.issued[token] = (Principal(user_id, role), expires)
        return IssuedAccessToken(token, self.ttl)

    def read(self, token: str) -> Principal:
        if token not in self.issued or self.issued[token][1] <= self.clock.now():
            raise AuthenticationFailed("the access token is not valid")
        return self.issued[token][0]


class FakeOneTimeTokens:
    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.issued: dict[str, tuple[str, OneTimeClaims]] = {}

    def issue(self, purpose: str, user_id: str, ttl: timedelta) -> str:
        token = f"{purpose}-token-{len(self.issued) + 1}"
        claims = OneTimeClaims(f"jti-{len(self.issued) + 1}", user_id, self.clock.now() + ttl)
        self.issued[token] = (purpose, claims)
        return token

    def read(self, purpose: str, token: str) -> OneTimeClaims:
        found = self.issued.get(token)
        if found is None or found[0] != purpose:
            raise InvalidToken("the link is not valid")
        if found[1].expires_at <= self.clock.now():
            raise InvalidToken("the link has expired")
        return found[1]



class FakeMailer:
    def __init__(self) -> None:
        self.sent: dict[str, EmailMessage] = {}

    def send(self, message: EmailMessage, idempotency_key: str) -> None:
        self.sent.setdefault(idempotency_key, message)


class FakeTaskQueue:
    """Records jobs; ``run_with`` makes it execute them at once like the inline queue."""

    def __init__(self) -> None:
        self.jobs: list[tuple[str, tuple[str, ...]]] = []
        self.runner: Callable[..., object] | None = None

    def enqueue(self, job: str, *args: str) -> None:
        self.jobs.append((job, args))
        if self.runner is not None:
            self.runner(job, *args)


# --- persistence -----------------------------------------------------------------------------


@dataclass
class FakeDatabase:
    """The state a FakeUnitOfWork commits into; shared by all units of work of one test."""

    users: dict[str, User] = field(default_factory=dict)
    courses: dict[str, Course] = field(default_factory=dict)
    enrollments: dict[str, Enrollment] = field(default_factory=dict)
    students_count: dict[str, int] = field(default_factory=dict)
    revenue: dict[tuple[str, str], int] = field(default_factory=dict)
    audit: list[AuditRecord] = field(default_factory=list)
    refresh_tokens: dict[str, RefreshTokenRecord] = field(default_factory=dict)
    used_tokens: set[str] = field(default_factory=set)
    outbox: dict[str, dict[str, Any]] = field(default_factory=dict)
    orders: dict[str, Order] = field(default_factory=dict)
    payments: dict[str, Payment] = field(default_factory=dict)
    refunds: dict[str, RefundRecord] = field(default_factory=dict)
    webhooks: dict[str, dict[str, Any]] = field(default_factory=dict)


class _Repo:
    def __init__(self, uow: FakeUnitOfWork) -> None:
        self.uow = uow

    def _track(self, aggregate: Aggregate) -> None:
        """A new aggregate joins this transaction's identity map as it is."""
        self.uow.identity[(type(aggregate), aggregate.id)] = aggregate

    def _take(self, stored: A | None) -> A | None:
        """A stored aggregate as this transaction sees it: a working copy, the same one on
        every read, written back only by commit() (a use case that forgets to commit loses
        its changes, as it would on the database)."""
        if stored is None:
            return None
        key = (type(stored), stored.id)
        if key not in self.uow.identity:
            self.uow.identity[key] = copy.deepcopy(stored)
        taken: A = self.uow.identity[key]  # type: ignore[assignment]
        return taken


class FakeUserRepository(_Repo):
    def add(self, user: User) -> None:
        self.uow.staged_users[user.id] = user
        self._track(user)

    def get(self, user_id: str) -> User | None:
        user = self.uow.staged_users.get(user_id) or self.uow.db.users.get(user_id)
        return self._take(user)

    def get_by_email(self, email: str) -> User | None:
        everyone = {**self.uow.db.users, **self.uow.staged_users}.values()
        user = next((u for u in everyone if u.email == email), None)
        return self._take(user)


class FakeCourseRepository(_Repo):
    def add(self, course: Course) -> None:
        self.uow.staged_courses[course.id] = course
        self._track(course)

    def get(self, course_id: str) -> Course | None:
        course = self.uow.staged_courses.get(course_id) or self.uow.db.courses.get(course_id)
        return self._take(course)

    def slug_taken(self, slug: str) -> bool:
        everyone = {**self.uow.db.courses, **self.uow.staged_courses}.values()
        return any(c.slug == slug for c in everyone)


class FakeEnrollmentRepository(_Repo):
    def add(self, enrollment: Enrollment) -> None:
        self.uow.staged_enrollments[enrollment.id] = enrollment
        self._track(enrollment)

    def get(self, student_id: str, course_id: str) -> Enrollment | None:
        everyone = {**self.uow.db.enrollments, **self.uow.staged_enrollments}.values()
        found = next((e for e in everyone
                      if e.student_id == student_id and e.course_id == course_id), None)
        return self._take(found)



class FakeCourseStatistics(_Repo):
    def record_enrollment(self, course_id: str, delta: int = 1) -> None:
        self.uow.staged_ops.append(lambda db: db.students_count.__setitem__(
            course_id, db.students_count.get(course_id, 0) + delta))

    def record_revenue(self, course_id: str, amount: Money) -> None:
        key = (course_id, amount.currency)
        self.uow.staged_ops.append(lambda db: db.revenue.__setitem__(
            key, db.revenue.get(key, 0) + amount.amount_minor))


class FakeAuditLog(_Repo):
    def append(self, record: AuditRecord) -> None:
        self.uow.staged_ops.append(lambda db: db.audit.append(record))

    def list(self, limit: int, before: datetime | None = None) -> list[AuditRecord]:
        records = [r for r in self.uow.db.audit if before is None or r.occurred_at < before]
        return sorted(records, key=lambda r: r.occurred_at, reverse=True)[:limit]


class FakeRefreshTokenStore(_Repo):
    def add(self, record: RefreshTokenRecord) -> None:
        self.uow.staged_ops.append(lambda db: db.refresh_tokens.__setitem__(record.id, record))

    def get_by_hash(self, token_hash: str) -> RefreshTokenRecord | None:
        found = next((r for r in self.uow.db.refresh_tokens.values()
                      if r.token_hash == token_hash), None)
        return replace(found) if found else None

    def mark_used(self, record_id: str, now: datetime) -> bool:
        record = self.uow.db.refresh_tokens[record_id]
        if record.used_at is not None:
            return False
        self.uow.staged_ops.append(lambda db: setattr(db.refresh_tokens[record_id], "used_at", now))
        return True

    def revoke_family(self, family_id: str, now: datetime) -> None:
        def revoke(db: FakeDatabase) -> None:
            for record in db.refresh_tokens.values():
                if record.family_id == family_id and record.revoked_at is None:
                    record.revoked_at = now
        self.uow.staged_ops.append(revoke)

    def revoke_user(self, user_id: str, now: datetime) -> None:
        def revoke(db: FakeDatabase) -> None:
            for record in db.refresh_tokens.values():
                if record.user_id == user_id and record.revoked_at is None:
                    record.revoked_at = now
        self.uow.staged_ops.append(revoke)


class FakeUsedTokens(_Repo):
    def consume(self, token_id: str, purpose: str, now: datetime) -> bool:
        if token_id in self.uow.db.used_tokens:
            return False
        self.uow.staged_ops.append(lambda db: db.used_tokens.add(token_id))
        return True


class FakeOutbox(_Repo):
    def add(self, message: OutboxMessage) -> None:
        self.uow.staged_ops.append(lambda db: db.outbox.__setitem__(message.id, {
            "message": message, "processed_at": None, "locked_until": None, "handled": set(),
            "attempts": 0, "last_error": None}))

    def claim(self, message_id: str, now: datetime, lease: timedelta) -> OutboxMessage | None:
        row = self.uow.db.outbox.get(message_id)
        if row is None or row["processed_at"] is not None:
            return None
        if row["locked_until"] is not None and row["locked_until"] >= now:
            return None
        if not self.uow.claim(f"outbox:{message_id}", row, now + lease):
            return None
        return replace(row["message"], handled_by=frozenset(row["handled"]))

    def mark_handled(self, message_id: str, handler: str) -> None:
        self.uow.staged_ops.append(lambda db: db.outbox[message_id]["handled"].add(handler))

    def mark_processed(self, message_id: str, now: datetime, outcome: str) -> None:
        def done(db: FakeDatabase) -> None:
            db.outbox[message_id].update(processed_at=now, locked_until=None)
        self.uow.staged_ops.append(done)

    def release(self, message_id: str, error: str) -> None:
        def release(db: FakeDatabase) -> None:
            db.outbox[message_id].update(locked_until=None, last_error=error)
        self.uow.staged_ops.append(release)

    def stranded(self, older_than: datetime, now: datetime, limit: int) -> list[str]:
        return [mid for mid, row in self.uow.db.outbox.items()
                if row["processed_at"] is None and row["message"].occurred_at < older_than
                and (row["locked_until"] is None or row["locked_until"] < now)][:limit]

    def purge_processed(self, processed_before: datetime, limit: int) -> int:
        return _purge_processed(self.uow, "outbox", processed_before, limit)


class FakeUnitOfWork:
    """Stages changes and applies them to the FakeDatabase only on commit, like a transaction.

    Aggregates read are working copies kept in an identity map for the transaction; commit()
    writes them (and new ones) back, rollback drops them.
    """

    def __init__(self, db: FakeDatabase | None = None, clock: FakeClock | None = None,
                 ids: FakeIdGenerator | None = None, queue: FakeTaskQueue | None = None) -> None:
        self.db = db or FakeDatabase()
        self.clock, self.ids = clock or FakeClock(), ids or FakeIdGenerator()
        self.queue = queue or FakeTaskQueue()
        self.users = FakeUserRepository(self)
        self.courses = FakeCourseRepository(self)
        self.enrollments = FakeEnrollmentRepository(self)
        self.statistics = FakeCourseStatistics(self)
        self.audit = FakeAuditLog(self)
        self.refresh_tokens = FakeRefreshTokenStore(self)
        self.used_tokens = FakeUsedTokens(self)
        self.outbox = FakeOutbox(self)
        self.orders = FakeOrderRepository(self)
        self.payments = FakePaymentRepository(self)
        self.refunds = FakeRefundRepository(self)
        self.webhooks = FakeWebhookInbox(self)
        # The published seams of other areas, over this same transaction (as in SQL).
        self.course_access = CatalogCourseAccess(self.courses, self.enrollments,
                                                 self.statistics, self.ids)
        self.accounts = UserDirectory(self.users)
        self._reset()

    def _reset(self) -> None:
        self.identity: dict[tuple[type[Any], str], Aggregate] = {}
        self.claimed: set[str] = set()
        self.staged_users: dict[str, User] = {}
        self.staged_courses: dict[str, Course] = {}
        self.staged_enrollments: dict[str, Enrollment] = {}
        self.staged_ops: list[Callable[[FakeDatabase], None]] = []

    def __enter__(self) -> Self:
        self._reset()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.rollback()

    def commit(self) -> None:
        for enrollment in self.staged_enrollments.values():
            if any(e.student_id == enrollment.student_id and e.course_id == enrollment.course_id
                   and e.id != enrollment.id for e in self.db.enrollments.values()):
                raise Conflict("the change collides with one made at the same time")
        written = []
        for aggregate in self.identity.values():
            while aggregate.events:
                event = aggregate.events.pop(0)
                message = OutboxMessage(self.ids.new_id(), event.name, event.payload(),
                                        self.clock.now())
                self.outbox.add(message)
                written.append(message.id)
        for op in self.staged_ops:  # the ones that can collide are staged first
            op(self.db)
        tables: dict[type[Any], dict[str, Any]] = {
            User: self.db.users, Course: self.db.courses, Enrollment: self.db.enrollments,
            Order: self.db.orders, Payment: self.db.payments}
        for (kind, key), aggregate in self.identity.items():
            tables[kind][key] = aggregate
        self._reset()
        for message_id in written:
            self.queue.enqueue("process_outbox_message", message_id)

    def rollback(self) -> None:
        self._reset()

    def claim(self, key: str, row: dict[str, Any], locked_until: datetime) -> bool:
        """A lease taken by this transaction, like the conditional UPDATE: visible to itself at
        once (a second claim fails), to others only after commit, undone by rollback."""
        if key in self.claimed:
            return False
        self.claimed.add(key)

        def lease(db: FakeDatabase) -> None:
            row.update(locked_until=locked_until, attempts=row["attempts"] + 1)
        self.staged_ops.append(lease)
        return True


class FakeCatalogQueries:
    """Reads the FakeDatabase the way the SQL queries read tables."""

    def __init__(self, db: FakeDatabase) -> None:
        self.db = db

    def _summary(self, course: Course) -> CourseSummary:
        teacher = self.db.users.get(course.teacher_id)
        return CourseSummary(course.id, course.slug, course.title, course.teacher_id,
                             teacher.full_name if teacher else "", course.price,
                             course.thumbnail_key, len(course.lessons), course.published_at)

    def published(self, page: int, page_size: int, search: str | None) -> Page[CourseSummary]:
        found = [c for c in self.db.courses.values() if c.is_published
                 and (not search or search.lower() in c.title.lower())]
        found.sort(key=lambda c: (c.published_at, c.id), reverse=True)
        start = (page - 1) * page_size
        return Page([self._summary(c) for c in found[start:start + page_size]], page,
                    page_size, len(found))

    def by_teacher(self, teacher_id: str) -> list[CourseSummary]:
        mine = [c for c in self.db.courses.values() if c.teacher_id == teacher_id]
        mine.sort(key=lambda c: (-c.created_at.timestamp(), c.id))
        return [self._summary(c) for c in mine]

    def statistics(self, course_id: str) -> CourseStats:
        revenue = tuple(Money(amount, currency) for (cid, currency), amount
                        in sorted(self.db.revenue.items()) if cid == course_id)
        return CourseStats(course_id, self.db.students_count.get(course_id, 0), revenue)

    def enrollments_of(self, student_id: str) -> list[EnrollmentSummary]:
        mine = [e for e in self.db.enrollments.values() if e.student_id == student_id]
        mine.sort(key=lambda e: (-e.enrolled_at.timestamp(), e.id))
        return [EnrollmentSummary(e.id, e.course_id, self.db.courses[e.course_id].title,
                                  self.db.courses[e.course_id].slug, e.status.value,
                                  e.enrolled_at) for e in mine]


# --- payments --------------------------------------------------------------------------------


class FakeOrderRepository(_Repo):
    def add(self, order: Order) -> None:
        self.uow.staged_ops.append(lambda db: db.orders.__setitem__(order.id, order))
        self._track(order)

    def get(self, order_id: str) -> Order | None:
        order = self.uow.db.orders.get(order_id)
        return self._take(order)


class FakePaymentRepository(_Repo):
    def add(self, payment: Payment) -> None:
        def insert(db: FakeDatabase) -> None:
            if payment.is_open and any(
                    p.is_open and p.student_id == payment.student_id
                    and p.course_set == payment.course_set for p in db.payments.values()):
                raise Conflict("one open attempt per student and course set")
            db.payments[payment.id] = payment
        self.uow.staged_ops.insert(0, insert)
        self._track(payment)

    def get(self, payment_id: str, for_update: bool = False) -> Payment | None:
        payment = self.uow.db.payments.get(payment_id)
        return self._take(payment)

    def by_reference(self, provider: str, reference: str) -> Payment | None:
        found = next((p for p in self.uow.db.payments.values() if p.provider == provider
                      and reference in (p.provider_reference, p.provider_payment_id)), None)
        return self._take(found)

    def open_attempt(self, student_id: str, course_set: str) -> Payment | None:
        found = next((p for p in self.uow.db.payments.values() if p.is_open
                      and p.student_id == student_id and p.course_set == course_set), None)
        return self._take(found)

    def open_before(self, moment: datetime, limit: int) -> list[str]:
        return [p.id for p in self.uow.db.payments.values()
                if p.is_open and p.updated_at < moment][:limit]

    def expired(self, now: datetime, limit: int) -> list[str]:
        return [p.id for p in self.uow.db.payments.values()
                if p.is_open and p.expires_at is not None and p.expires_at < now][:limit]


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


class FakeWebhookInbox(_Repo):
    def add(self, delivery: InboxDelivery) -> bool:
        if any((d["delivery"].provider, d["delivery"].event_id)
               == (delivery.provider, delivery.event_id) for d in self.uow.db.webhooks.values()):
            return False
        self.uow.staged_ops.append(lambda db: db.webhooks.__setitem__(delivery.id, {
            "delivery": delivery, "processed_at": None, "locked_until": None, "attempts": 0,
            "last_error": None, "outcome": None}))
        return True

    def claim(self, delivery_id: str, now: datetime, lease: timedelta) -> InboxDelivery | None:
        row = self.uow.db.webhooks.get(delivery_id)
        if row is None or row["processed_at"] is not None or (
                row["locked_until"] is not None and row["locked_until"] >= now):
            return None
        if not self.uow.claim(f"webhook:{delivery_id}", row, now + lease):
            return None
        delivery = self.get(delivery_id)
        return replace(delivery, attempts=row["attempts"] + 1) if delivery else None

    def mark_processed(self, delivery_id: str, now: datetime, outcome: str) -> None:
        def done(db: FakeDatabase) -> None:
            db.webhooks[delivery_id].update(processed_at=now, locked_until=None, outcome=outcome,
                                            last_error=None)
        self.uow.staged_ops.append(done)

    def release(self, delivery_id: str, error: str) -> None:
        def release(db: FakeDatabase) -> None:
            db.webhooks[delivery_id].update(locked_until=None, last_error=error)
        self.uow.staged_ops.append(release)

    def get(self, delivery_id: str) -> InboxDelivery | None:
        row = self.uow.db.webhooks.get(delivery_id)
        if row is None:
            return None
        return replace(row["delivery"], processed_at=row["processed_at"],
                       attempts=row["attempts"], last_error=row["last_error"],
                       outcome=row["outcome"])

    def reopen(self, delivery_id: str) -> bool:
        if delivery_id not in self.uow.db.webhooks:
            return False
        def reopen(db: FakeDatabase) -> None:
            db.webhooks[delivery_id].update(processed_at=None, locked_until=None)
        self.uow.staged_ops.append(reopen)
        return True

    def stranded(self, received_before: datetime, now: datetime, limit: int) -> list[str]:
        def abandoned(r: dict[str, Any]) -> bool:
            return r["last_error"] is None and r["locked_until"] is not None \
                and r["locked_until"] < now
        return [i for i, r in self.uow.db.webhooks.items() if r["processed_at"] is None
                and (r["attempts"] == 0 or abandoned(r))
                and r["delivery"].received_at < received_before][:limit]

    def failed(self, limit: int) -> list[str]:
        return [i for i, r in self.uow.db.webhooks.items()
                if r["processed_at"] is None and r["last_error"]][:limit]

    def purge_processed(self, processed_before: datetime, limit: int) -> int:
        return _purge_processed(self.uow, "webhooks", processed_before, limit)


def _purge_processed(uow: FakeUnitOfWork, table: str, processed_before: datetime,
                     limit: int) -> int:
    rows: dict[str, dict[str, Any]] = getattr(uow.db, table)
    old = sorted((row["processed_at"], key) for key, row in rows.items()
                 if row["processed_at"] is not None and row["processed_at"] < processed_before)
    doomed = [key for _, key in old[:limit]]
    def purge(db: FakeDatabase) -> None:
        for key in doomed:
            del getattr(db, table)[key]
    uow.staged_ops.append(purge)
    return len(doomed)


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
            self.payments[reference].refunded_minor += amount.amount_minor
            self.refund_keys[idempotency_key] = RefundReceipt(
                f"re-{len(self.refund_keys) + 1}", "succeeded", amount)
        return self.refund_keys[idempotency_key]


class FakeExchangeRates:
    def __init__(self, rates: dict[tuple[str, str], str] | None = None) -> None:
        self.rates = rates or {}

    def rate(self, source: str, target: str) -> ExchangeRate:
        if (source, target) not in self.rates:
            from application.payments.errors import RateUnavailable

            raise RateUnavailable(f"no exchange rate from {source} to {target}")
        return ExchangeRate(source, target, self.rates[(source, target)], "test",
                            datetime(2026, 1, 1, tzinfo=UTC))
