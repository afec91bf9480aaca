"""What every area needs from the outside world: time, ids, jobs, a cache, transactions,
the outbox and the webhook inbox.

Times are timezone-aware UTC ``datetime``s; durations are ``timedelta``s; money is ``Money``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import TracebackType
from typing import Any, Generic, Protocol, Self, TypeVar

from domain.shared.audit import AuditFilter, AuditRecord
from domain.shared.events import Event

T = TypeVar("T")


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware UTC. Never fails."""


class IdGenerator(Protocol):
    def new_id(self) -> str:
        """A new unique, URL-safe identifier (at most 36 characters). Never fails."""


@dataclass(frozen=True)
class Principal:
    """The authenticated caller, as read from a verified access token (``issued_at``: when
    the token was issued, to the second; None for a principal no token made)."""

    user_id: str
    role: str
    issued_at: datetime | None = field(default=None, compare=False)  # who, not when
    email_verified: bool = field(default=False, compare=False)  # as the account is now


class TaskQueue(Protocol):
    def enqueue(self, job: str, *args: str) -> None:
        """Schedules the named job with id arguments. Call only after a commit. Raises
        ``DeliveryFailed`` when the queue cannot be reached (the outbox relay catches up)."""


class HealthCheck(Protocol):
    name: str

    def check(self) -> None:
        """Returns when the dependency answers; raises any exception when it does not."""


class AuditLog(Protocol):
    def append(self, record: AuditRecord) -> None:
        """Adds a record; records are never changed or removed."""

    def list(self, limit: int, where: AuditFilter | None = None) -> list[AuditRecord]:
        """The records ``where`` selects, newest first."""


@dataclass(frozen=True)
class RequestOrigin:
    """Who and where a request comes from, for the audit trail."""

    actor_role: str | None
    client_ip: str | None
    user_agent: str | None


class OriginSource(Protocol):
    def current(self) -> RequestOrigin | None:
        """The origin of the request being served; None outside one (a job, the CLI)."""


class LeasedRecord(Protocol):
    @property
    def attempts(self) -> int:
        """How many times the record was claimed, the current claim included."""


R_co = TypeVar("R_co", bound=LeasedRecord, covariant=True)


class LeasedRecords(Protocol[R_co]):
    """Records processed under a lease (``application.shared.leases``): outbox messages and
    webhook deliveries. Times are aware UTC; a lease is a ``timedelta``."""

    def claim(self, record_id: str, now: datetime, lease: timedelta) -> R_co | None:
        """Takes an unprocessed record for ``lease``, counting the attempt; None when it is
        processed, unknown, leased elsewhere, given up, or failed and not due for its retry
        before ``now``. The lease holds once the claiming transaction commits."""

    def release(self, record_id: str, error: str, now: datetime,
                retry_at: datetime | None) -> None:
        """Gives up the lease after a failure and records ``error``; the record is due again
        at ``retry_at``, or, when None, given up (at ``now``) until an operator reopens it."""

    def mark_processed(self, record_id: str, now: datetime, outcome: str) -> None:
        """The work is done; the record is never claimed again (unless reopened)."""

    def due(self, before: datetime, now: datetime, limit: int) -> list[str]:
        """Ids of records nobody is working on that are due at ``now``, oldest first: never
        tried and from before ``before``, abandoned by a worker whose lease ran out with no
        result, or failed with their retry due. Given-up records are not."""

    def purge_processed(self, processed_before: datetime, limit: int) -> int:
        """Deletes up to ``limit`` records processed before ``processed_before``, oldest
        first; returns how many. Unprocessed and failed ones are never deleted."""


@dataclass(frozen=True)
class OutboxMessage:
    id: str
    event_type: str
    payload: dict[str, Any]
    occurred_at: datetime
    handled_by: frozenset[str] = frozenset()
    attempts: int = 0


class Outbox(LeasedRecords[OutboxMessage], Protocol):
    """Domain events waiting for their handlers, written in the transaction that raised them.
    The outbox keeps no outcome: a message's handlers record their own progress."""

    def add(self, message: OutboxMessage) -> None: ...

    def mark_handled(self, message_id: str, handler: str) -> None:
        """Records that one handler finished; a retry skips it."""


class UnitOfWork(Protocol):
    """One transaction. Leaving the ``with`` block without ``commit()`` rolls back.

    ``commit()`` stores the events raised by every aggregate the repositories handed out in
    the outbox, in the same transaction, and dispatches them once the commit succeeded.
    Each area's unit of work extends this with its own repositories only, built on first use.
    """

    def __enter__(self) -> Self: ...
    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
    def commit(self) -> None:
        """Raises ``Conflict`` when a uniqueness rule was broken by a concurrent writer, or
        when a versioned aggregate (a course) read here was saved meanwhile by another."""

    def rollback(self) -> None: ...

    def reading(self) -> Self:
        """The next ``with`` block only reads (``with uow.reading():``): it holds no lock and
        waits for no writer, and its ``commit()`` raises."""

    def optimistic(self, durable: bool = True) -> Self:
        """The next ``with`` block writes only versioned aggregates (and what they own): its
        reads hold no lock, and a version that moved on before its commit is a ``Conflict``,
        whatever the database. ``durable=False``: its commit does not wait for the disk, so
        a crash of the machine (not of eduport) may lose it, never half of it; for records
        that the next one of their kind supersedes within seconds (a heartbeat)."""

    def publish(self, event: Event) -> None:
        """An event that belongs to no aggregate (a request about an address that may have
        no account): stored in the outbox by ``commit()`` with the aggregates' own."""


class AuditedUnitOfWork(UnitOfWork, Protocol):
    """A unit of work whose changes are audited in the same transaction."""

    audit: AuditLog


class OutboxUnitOfWork(UnitOfWork, Protocol):
    outbox: Outbox


class InboxUnitOfWork(UnitOfWork, Protocol):
    webhooks: WebhookInbox


class KernelUnitOfWork(OutboxUnitOfWork, InboxUnitOfWork, AuditedUnitOfWork, Protocol):
    """The shared kernel's own records: the outbox, the webhook inbox and the audit log
    (an operator's act on them is audited)."""


@dataclass(frozen=True)
class Page(Generic[T]):
    items: Sequence[T]
    page: int
    page_size: int
    total: int


@dataclass(frozen=True)
class WebhookEvent:
    """An authenticated delivery, reduced to what the inbox stores."""

    provider: str
    event_id: str
    event_type: str
    payload: dict[str, Any]


class WebhookAuthenticator(Protocol):
    provider: str

    def authenticate(self, headers: Mapping[str, str], body: bytes) -> WebhookEvent:
        """Verifies the delivery's signature on the raw ``body`` (and its age) and parses it.
        Raises ``InvalidSignature`` for an unsigned, forged or stale delivery."""


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
    retry_at: datetime | None = None  # when a failed delivery is tried again
    gave_up_at: datetime | None = None  # every retry spent: waits for an operator


class WebhookInbox(LeasedRecords[InboxDelivery], Protocol):
    """Authenticated webhook deliveries of every provider, stored once by (provider, event_id).
    ``stranded`` leaves out deliveries whose last attempt failed: those are the job runner's
    to retry and the operator's to replay. A provider that sends a purged event again gets it
    stored and processed again (processing is idempotent), so retention should outlast the
    providers' retry windows."""

    def add(self, delivery: InboxDelivery) -> bool:
        """Stores a delivery; False when (provider, event_id) is already there."""

    def get(self, delivery_id: str) -> InboxDelivery | None: ...
    def reopen(self, delivery_id: str) -> bool:
        """Makes a delivery processable again at once (replay), given up or not; False when
        unknown."""

    def failed(self, limit: int) -> list[str]:
        """Unprocessed deliveries whose last attempt failed (waiting for a retry or given
        up), oldest first."""

    def list(self, status: str | None, provider: str | None, limit: int) -> list[InboxDelivery]:
        """Up to ``limit`` deliveries, newest received first (then by id), of ``provider``
        when named, in ``status`` when named: "processed"; "pending" (unprocessed, no failure
        recorded: never tried, or being worked on); "failed" (unprocessed with a recorded
        failure: waiting for its retry or given up); "given_up" (every retry spent). Raises
        ``ValueError`` for any other status."""


class Cache(Protocol):
    """A small shared key-value store (Redis in production, process memory by default)."""

    def get(self, key: str) -> bytes | None:
        """The value, or None when absent or expired. Failures read as a miss."""

    def set(self, key: str, value: bytes, ttl_seconds: int) -> None:
        """Stores ``value`` for ``ttl_seconds``; failures are swallowed (it is a cache)."""

    def incr(self, key: str) -> int:
        """Atomically adds one and returns the new value (0 when the store is unreachable)."""
