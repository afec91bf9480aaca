"""Fakes of the shared kernel: clock, ids, the job queue, the in-memory database and the
unit-of-work base that stages changes until commit, the outbox and the webhook inbox."""

from __future__ import annotations

import copy
import itertools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Any, ClassVar, Self, TypeVar

from application.accounts.ports import RefreshTokenRecord
from application.payments.ports import (
    RefundRecord,
)
from application.shared.ports import InboxDelivery, OutboxMessage
from domain.accounts.model import User
from domain.catalog.enrollment import Enrollment
from domain.catalog.model import Course
from domain.payments.model import Order, Payment
from domain.shared.audit import AuditFilter, AuditRecord
from domain.shared.errors import Conflict
from domain.shared.events import Event
from domain.shared.model import Aggregate

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


class FakeTaskQueue:
    """Records jobs; ``run_with`` makes it execute them at once like the inline queue."""

    def __init__(self) -> None:
        self.jobs: list[tuple[str, tuple[str, ...]]] = []
        self.runner: Callable[..., object] | None = None

    def enqueue(self, job: str, *args: str) -> None:
        self.jobs.append((job, args))
        if self.runner is not None:
            self.runner(job, *args)


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
    deliveries: dict[str, Any] = field(default_factory=dict)
    notifications: dict[str, Any] = field(default_factory=dict)
    suppressions: dict[str, Any] = field(default_factory=dict)
    preferences: dict[str, Any] = field(default_factory=dict)
    checkout_holds: dict[tuple[str, str], str] = field(default_factory=dict)
    live_sessions: dict[str, Any] = field(default_factory=dict)
    live_participants: dict[str, Any] = field(default_factory=dict)
    consultation_services: dict[str, Any] = field(default_factory=dict)
    identity_verifications: dict[str, Any] = field(default_factory=dict)
    teacher_applications: dict[str, Any] = field(default_factory=dict)
    consultations: dict[str, Any] = field(default_factory=dict)
    credit_entries: list[Any] = field(default_factory=list)
    credit_balances: dict[tuple[str, str], Any] = field(default_factory=dict)
    stored_files: dict[str, Any] = field(default_factory=dict)
    login_attempts: dict[str, Any] = field(default_factory=dict)
    playback_grants: list[Any] = field(default_factory=list)


class _Repo:
    def __init__(self, uow: FakeUnitOfWorkBase) -> None:
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


class StagedView(_Repo):
    """A repository of one aggregate kind (``kind``, stored in ``table`` of the database)
    that sees what a transaction sees, as the database shows a transaction its own changes
    (the SQL session flushes before every query): the committed rows, with the aggregates
    this transaction added or took (its working copies) in their place."""

    kind: ClassVar[type[Any]]
    table: ClassVar[str]

    def _visible(self) -> list[Any]:
        rows = dict(getattr(self.uow.db, self.table))
        rows.update(self.uow.staging(self.kind))
        rows.update({key: aggregate for (kind, key), aggregate in self.uow.identity.items()
                     if kind is self.kind})
        return [self._take(row) for row in rows.values()]


class FakeAuditLog(_Repo):
    def append(self, record: AuditRecord) -> None:
        self.uow.staged_ops.append(lambda db: db.audit.append(record))

    def list(self, limit: int, where: AuditFilter | None = None) -> list[AuditRecord]:
        w = where or AuditFilter()
        records = [r for r in self.uow.db.audit
                   if all(wanted in (None, got) for wanted, got in (
                       (w.actor_id, r.actor_id), (w.action, r.action),
                       (w.object_type, r.object_type), (w.object_id, r.object_id)))
                   and (w.since is None or r.occurred_at >= w.since)
                   and (w.before is None or r.occurred_at < w.before)]
        return sorted(records, key=lambda r: r.occurred_at, reverse=True)[:limit]


class FakeOutbox(_Repo):
    def add(self, message: OutboxMessage) -> None:
        self.uow.staged_ops.append(lambda db: db.outbox.__setitem__(message.id, {
            "message": message, "processed_at": None, "locked_until": None, "handled": set(),
            "attempts": 0, "last_error": None, "retry_at": None, "gave_up_at": None}))

    def claim(self, record_id: str, now: datetime, lease: timedelta) -> OutboxMessage | None:
        row = self.uow.db.outbox.get(record_id)
        if row is None or not _claimable(row, now):
            return None
        if not self.uow.claim(f"outbox:{record_id}", row, now + lease):
            return None
        return replace(row["message"], handled_by=frozenset(row["handled"]),
                       attempts=row["attempts"] + 1)

    def mark_handled(self, message_id: str, handler: str) -> None:
        self.uow.staged_ops.append(lambda db: db.outbox[message_id]["handled"].add(handler))

    def mark_processed(self, record_id: str, now: datetime, outcome: str) -> None:
        def done(db: FakeDatabase) -> None:
            db.outbox[record_id].update(processed_at=now, locked_until=None)
        self.uow.staged_ops.append(done)

    def release(self, record_id: str, error: str, now: datetime,
                retry_at: datetime | None) -> None:
        _release(self.uow, self.uow.db.outbox, record_id, error, now, retry_at)

    def due(self, before: datetime, now: datetime, limit: int) -> list[str]:
        return _due(self.uow.db.outbox, lambda row: row["message"].occurred_at, before, now,
                    limit)

    def purge_processed(self, processed_before: datetime, limit: int) -> int:
        return _purge_processed(self.uow, "outbox", processed_before, limit)


class FakeUnitOfWorkBase:
    """Stages changes and applies them to the FakeDatabase only on commit, like a transaction.

    Aggregates read are working copies kept in an identity map for the transaction; commit()
    writes them (and new ones) back, rollback drops them. Like the SQL unit of work, each
    area's subclass names its repositories in ``repositories`` (built on first use), the
    database tables its aggregates live in (``tables``) and its uniqueness rules (``unique``).
    """

    repositories: ClassVar[Mapping[str, Callable[[Any], Any]]] = {}
    tables: ClassVar[Mapping[type[Any], str]] = {}
    unique: ClassVar[Mapping[type[Any], Callable[[Any], tuple[str, ...]]]] = {}

    def __init__(self, db: FakeDatabase | None = None, clock: FakeClock | None = None,
                 ids: FakeIdGenerator | None = None, queue: FakeTaskQueue | None = None) -> None:
        self.db = db or FakeDatabase()
        self.clock, self.ids = clock or FakeClock(), ids or FakeIdGenerator()
        self.queue = queue or FakeTaskQueue()
        self._built: dict[str, Any] = {}
        self._reading = self._next_reading = False
        self._reset()

    def __getattr__(self, name: str) -> Any:
        factory = type(self).repositories.get(name)
        if factory is None:
            raise AttributeError(f"{type(self).__name__} has no repository {name!r}")
        if name not in self._built:
            self._built[name] = factory(self)
        return self._built[name]

    def _reset(self) -> None:
        self.identity: dict[tuple[type[Any], str], Aggregate] = {}
        self.claimed: set[str] = set()
        self.staged: dict[type[Any], dict[str, Aggregate]] = {}
        self.staged_ops: list[Callable[[FakeDatabase], None]] = []
        self.published: list[Event] = []

    def publish(self, event: Event) -> None:
        self.published.append(event)

    def staging(self, kind: type[A]) -> dict[str, A]:
        """The aggregates of ``kind`` added in this transaction, by id."""
        return self.staged.setdefault(kind, {})  # type: ignore[return-value]

    def __enter__(self) -> Self:
        self._reset()
        self._reading, self._next_reading = self._next_reading, False
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.rollback()

    def reading(self) -> Self:
        self._next_reading = True
        return self

    def optimistic(self, durable: bool = True) -> Self:
        return self  # a fake transaction locks nothing anyway; versions are the SQL side's

    def commit(self) -> None:
        if self._reading:
            raise RuntimeError("a unit of work opened with reading() has nothing to commit")
        for kind, key_of in type(self).unique.items():
            stored = getattr(self.db, type(self).tables[kind]).values()
            staged = list(self.staging(kind).values())
            for index, new in enumerate(staged):
                # Against what others committed, and this transaction's own other inserts.
                if any(key_of(old) == key_of(new) and old.id != new.id
                       for old in (*stored, *staged[:index])):
                    raise Conflict("the change collides with one made at the same time")
        written = []
        raised = [event for aggregate in self.identity.values() for event in aggregate.events]
        for aggregate in self.identity.values():
            aggregate.events.clear()
        for event in [*raised, *self.published]:
            message = OutboxMessage(self.ids.new_id(), event.name, event.payload(),
                                    self.clock.now())
            FakeOutbox(self).add(message)
            written.append(message.id)
        for op in self.staged_ops:  # the ones that can collide are staged first
            op(self.db)
        for (kind, key), aggregate in self.identity.items():
            getattr(self.db, type(self).tables[kind])[key] = aggregate
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


class FakeKernelUnitOfWork(FakeUnitOfWorkBase):
    repositories: ClassVar[Mapping[str, Callable[[Any], Any]]] = {
        "outbox": lambda uow: FakeOutbox(uow),
        "webhooks": lambda uow: FakeWebhookInbox(uow),
        "audit": lambda uow: FakeAuditLog(uow),
    }

class FakeWebhookInbox(_Repo):
    def add(self, delivery: InboxDelivery) -> bool:
        # The unique index sees this transaction's own deliveries too.
        added: dict[str, Any] = self.uow.staged.setdefault(InboxDelivery, {})
        stored = [row["delivery"] for row in self.uow.db.webhooks.values()]
        if any((d.provider, d.event_id) == (delivery.provider, delivery.event_id)
               for d in (*stored, *added.values())):
            return False
        added[delivery.id] = delivery
        self.uow.staged_ops.append(lambda db: db.webhooks.__setitem__(delivery.id, {
            "delivery": delivery, "processed_at": None, "locked_until": None, "attempts": 0,
            "last_error": None, "outcome": None, "retry_at": None, "gave_up_at": None}))
        return True

    def claim(self, record_id: str, now: datetime, lease: timedelta) -> InboxDelivery | None:
        row = self.uow.db.webhooks.get(record_id)
        if row is None or not _claimable(row, now):
            return None
        if not self.uow.claim(f"webhook:{record_id}", row, now + lease):
            return None
        delivery = self.get(record_id)
        return replace(delivery, attempts=row["attempts"] + 1) if delivery else None

    def mark_processed(self, record_id: str, now: datetime, outcome: str) -> None:
        def done(db: FakeDatabase) -> None:
            db.webhooks[record_id].update(processed_at=now, locked_until=None, outcome=outcome,
                                            last_error=None, retry_at=None)
        self.uow.staged_ops.append(done)

    def release(self, record_id: str, error: str, now: datetime,
                retry_at: datetime | None) -> None:
        _release(self.uow, self.uow.db.webhooks, record_id, error, now, retry_at)

    def get(self, delivery_id: str) -> InboxDelivery | None:
        row = self.uow.db.webhooks.get(delivery_id)
        if row is None:
            return None
        return replace(row["delivery"], processed_at=row["processed_at"],
                       attempts=row["attempts"], last_error=row["last_error"],
                       outcome=row["outcome"], retry_at=row["retry_at"],
                       gave_up_at=row["gave_up_at"])

    def reopen(self, delivery_id: str) -> bool:
        if delivery_id not in self.uow.db.webhooks:
            return False
        def reopen(db: FakeDatabase) -> None:
            db.webhooks[delivery_id].update(processed_at=None, locked_until=None,
                                            retry_at=None, gave_up_at=None)
        self.uow.staged_ops.append(reopen)
        return True

    def due(self, before: datetime, now: datetime, limit: int) -> list[str]:
        return _due(self.uow.db.webhooks, lambda row: row["delivery"].received_at, before,
                    now, limit)

    def failed(self, limit: int) -> list[str]:
        return [i for i, r in self.uow.db.webhooks.items()
                if r["processed_at"] is None and r["last_error"]][:limit]

    def purge_processed(self, processed_before: datetime, limit: int) -> int:
        return _purge_processed(self.uow, "webhooks", processed_before, limit)

    def list(self, status: str | None, provider: str | None, limit: int) -> list[InboxDelivery]:
        statuses: dict[str, Callable[[InboxDelivery], bool]] = {
            "processed": lambda d: d.processed_at is not None,
            "pending": lambda d: d.processed_at is None and d.last_error is None,
            "failed": lambda d: d.processed_at is None and d.last_error is not None,
            "given_up": lambda d: d.processed_at is None and d.gave_up_at is not None,
        }
        if status is not None and status not in statuses:
            raise ValueError(f"no delivery status {status!r}")
        found = [d for d in (self.get(i) for i in self.uow.db.webhooks) if d is not None
                 and (status is None or statuses[status](d))
                 and (provider is None or d.provider == provider)]
        found.sort(key=lambda d: d.id)
        found.sort(key=lambda d: d.received_at, reverse=True)  # stable: ties stay by id
        return found[:limit]


def _claimable(row: dict[str, Any], now: datetime) -> bool:
    return (row["processed_at"] is None and row["gave_up_at"] is None
            and (row["locked_until"] is None or row["locked_until"] < now)
            and (row["retry_at"] is None or row["retry_at"] <= now))


def _release(uow: FakeUnitOfWorkBase, rows: dict[str, dict[str, Any]], record_id: str,
             error: str, now: datetime, retry_at: datetime | None) -> None:
    def release(db: FakeDatabase) -> None:
        rows[record_id].update(locked_until=None, last_error=error, retry_at=retry_at,
                               gave_up_at=now if retry_at is None else None)
    uow.staged_ops.append(release)


def _due(rows: dict[str, dict[str, Any]], arrived: Callable[[dict[str, Any]], datetime],
         before: datetime, now: datetime, limit: int) -> list[str]:
    def due(row: dict[str, Any]) -> bool:
        free = row["locked_until"] is None or row["locked_until"] < now
        untried = row["attempts"] == 0 and arrived(row) < before
        abandoned = row["attempts"] > 0 and row["last_error"] is None \
            and row["locked_until"] is not None and row["locked_until"] < now
        retry = row["last_error"] is not None and free and row["retry_at"] is not None \
            and row["retry_at"] <= now
        return row["processed_at"] is None and row["gave_up_at"] is None \
            and (untried or abandoned or retry)
    return [key for _, key in sorted((arrived(row), key) for key, row in rows.items()
                                     if due(row))][:limit]


def _purge_processed(uow: FakeUnitOfWorkBase, table: str, processed_before: datetime,
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
