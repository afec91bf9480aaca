"""The SQLAlchemy unit of work: one session, rolled back unless committed, with the outbox.

Each area's unit of work is a subclass naming its own repositories in ``repositories``; a
repository is built the first time a use case touches it, inside the transaction.
``reading()`` and ``optimistic()`` choose how the next ``with`` block's transaction locks
(``database.reading`` and ``database.optimistic``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Any, ClassVar, Self

from sqlalchemy import event as orm_events
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from adapters.outbound.persistence import database
from adapters.outbound.persistence.shared import SqlAuditLog, SqlOutbox, SqlWebhookInbox, Tracker
from application.shared.errors import DeliveryFailed
from application.shared.ports import Clock, IdGenerator, OutboxMessage, TaskQueue
from application.shared.process_outbox_message import PROCESS_OUTBOX_JOB
from domain.shared.errors import Conflict
from domain.shared.events import Event

log = logging.getLogger(__name__)


class SqlUnitOfWork:
    repositories: ClassVar[Mapping[str, Callable[[SqlUnitOfWork], Any]]] = {}

    def __init__(
        self, sessions: sessionmaker[Session], clock: Clock, ids: IdGenerator, queue: TaskQueue
    ) -> None:
        self._sessions, self._clock, self.ids, self._queue = sessions, clock, ids, queue
        self._session: Session | None = None
        self._built: dict[str, Any] = {}
        self.tracker = Tracker()
        self._published: list[Event] = []
        # How the next block's transaction locks: database.reading or .optimistic (or None).
        self._next: Callable[[str], dict[str, Any]] | None = None
        self._reading = False

    def __getattr__(self, name: str) -> Any:
        factory = type(self).repositories.get(name)
        if factory is None:
            raise AttributeError(f"{type(self).__name__} has no repository {name!r}")
        if name not in self._built:
            self._built[name] = factory(self)
        return self._built[name]

    def __enter__(self) -> Self:
        mode, self._next = self._next, None
        self._reading = mode is database.reading
        options = {} if mode is None else mode(self._sessions.kw["bind"].dialect.name)
        if not options:
            self._session = self._sessions()
        else:
            kind = ReadingSession if self._reading else Session
            self._session = kind(**{**self._sessions.kw, "autoflush": not self._reading})
            # Its connection now, with the transaction's options (set on the connection: an
            # engine with options costs every statement a joined event dispatch).
            self._session.connection(execution_options=options)
        self.tracker, self._built, self._published = Tracker(), {}, []
        return self

    def reading(self) -> Self:
        """The next ``with`` block only reads: on SQLite it takes no write lock (and waits for
        no writer), on PostgreSQL its statements run without BEGIN and ROLLBACK. It cannot
        commit, and a write raises ``ReadOnlyViolation`` before it reaches the database."""
        self._next = database.reading
        return self

    def optimistic(self, durable: bool = True) -> Self:
        """The next ``with`` block writes only aggregates that are versioned (each UPDATE
        names the version it read) and what they own: its reads take no lock, and the write
        lock is held from its first write to its commit only (``database.optimistic``). What
        it read may have changed by the time it writes; a version that moved on is a
        ``Conflict`` at commit, on SQLite as on PostgreSQL. ``durable=False``: the commit
        does not wait for the disk (``database.optimistic_not_durable``)."""
        self._next = database.optimistic if durable else database.optimistic_not_durable
        return self

    def publish(self, event: Event) -> None:
        self._published.append(event)

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        session = self.session
        try:
            # Detach first: entities handed out keep their loaded state instead of being
            # expired by the rollback, so results can be read after the block. Closing
            # rolls back what was not committed.
            session.expunge_all()
        finally:
            session.close()
            self._session, self._built = None, {}
        if isinstance(exc, IntegrityError):
            # A uniqueness clash that surfaced before commit() (an autoflush inside a use case)
            # is the same conflict commit() would have reported, for HTTP and jobs alike.
            raise Conflict("the change collides with one made at the same time; retry") from exc

    @property
    def session(self) -> Session:
        if self._session is None:
            raise RuntimeError("use the unit of work inside a with block")
        return self._session

    def commit(self) -> None:
        if self._reading:
            raise RuntimeError("a unit of work opened with reading() has nothing to commit")
        try:
            self.session.flush()
            written = self._write_events_to_outbox()
            self.session.commit()
        except IntegrityError as error:
            self.session.rollback()
            raise Conflict("the change collides with one made at the same time") from error
        except StaleDataError as error:  # a versioned aggregate was saved by someone else
            self.session.rollback()
            raise Conflict("it was changed by another request meanwhile; reload and retry"
                           ) from error
        self._dispatch(written)

    def rollback(self) -> None:
        self.session.rollback()
        # What was rolled back raised nothing: a later commit must not write its events.
        # (Cleared in place: the repositories built so far hold this tracker.)
        self.tracker.seen.clear()
        self._published.clear()

    def _write_events_to_outbox(self) -> list[str]:
        written = []
        now, outbox = self._clock.now(), SqlOutbox(self.session)
        raised = [event for aggregate in self.tracker.seen
                  for event in _drained(aggregate.events)]
        for event in [*raised, *_drained(self._published)]:
            message = OutboxMessage(self.ids.new_id(), event.name, event.payload(), now)
            outbox.add(message)
            written.append(message.id)
        return written

    def _dispatch(self, message_ids: list[str]) -> None:
        # After the commit: the rows are durable, so a lost enqueue only delays the relay.
        for message_id in message_ids:
            try:
                self._queue.enqueue(PROCESS_OUTBOX_JOB, message_id)
            except DeliveryFailed:
                log.warning("outbox message %s left for the relay: queue unreachable", message_id)


class ReadOnlyViolation(RuntimeError):
    """A write in a unit of work opened with ``reading()`` (a programming error)."""


class ReadingSession(Session):
    """The session of a ``reading()`` block: on PostgreSQL its statements run in
    autocommit, where a write would be kept at once, so none is let through."""


@orm_events.listens_for(ReadingSession, "do_orm_execute")
def _reads_only(state: ORMExecuteState) -> None:
    if not state.is_select:
        raise ReadOnlyViolation(f"a reading() unit of work does not run {state.statement}")


@orm_events.listens_for(ReadingSession, "before_flush")
def _flushes_nothing(session: Session, *_: Any) -> None:
    raise ReadOnlyViolation("a reading() unit of work has nothing to flush")


def _drained(events: list[Event]) -> list[Event]:
    drained = list(events)
    events.clear()
    return drained


def audit_log(uow: SqlUnitOfWork) -> SqlAuditLog:
    return SqlAuditLog(uow.session)


class SqlKernelUnitOfWork(SqlUnitOfWork):
    """The shared kernel's records: the outbox, the webhook inbox and the audit log."""

    repositories: ClassVar[Mapping[str, Callable[[SqlUnitOfWork], Any]]] = {
        "outbox": lambda uow: SqlOutbox(uow.session),
        "webhooks": lambda uow: SqlWebhookInbox(uow.session),
        "audit": audit_log,
    }
