"""The SQLAlchemy unit of work: one session, rolled back unless committed, with the outbox."""

from __future__ import annotations

import logging
from types import TracebackType
from typing import Self

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from adapters.outbound.persistence.repositories import (
    SqlAuditLog,
    SqlCourseRepository,
    SqlCourseStatistics,
    SqlEnrollmentRepository,
    SqlOrderRepository,
    SqlOutbox,
    SqlPaymentRepository,
    SqlRefreshTokenStore,
    SqlRefundRepository,
    SqlUsedTokens,
    SqlUserRepository,
    SqlWebhookInbox,
    Tracker,
)
from application.ports import Clock, IdGenerator, OutboxMessage, TaskQueue
from application.use_cases.process_outbox_message import PROCESS_OUTBOX_JOB
from domain.errors import Conflict, DeliveryFailed

log = logging.getLogger(__name__)


class SqlAlchemyUnitOfWork:
    def __init__(
        self, sessions: sessionmaker[Session], clock: Clock, ids: IdGenerator, queue: TaskQueue
    ) -> None:
        self._sessions, self._clock, self._ids, self._queue = sessions, clock, ids, queue
        self._session: Session | None = None

    def __enter__(self) -> Self:
        session = self._sessions()
        self._session, self._tracker = session, Tracker()
        self.users = SqlUserRepository(session, self._tracker)
        self.courses = SqlCourseRepository(session, self._tracker)
        self.enrollments = SqlEnrollmentRepository(session, self._tracker)
        self.statistics = SqlCourseStatistics(session)
        self.audit = SqlAuditLog(session)
        self.refresh_tokens = SqlRefreshTokenStore(session)
        self.used_tokens = SqlUsedTokens(session)
        self.outbox = SqlOutbox(session)
        self.orders = SqlOrderRepository(session, self._tracker)
        self.payments = SqlPaymentRepository(session, self._tracker)
        self.refunds = SqlRefundRepository(session)
        self.webhooks = SqlWebhookInbox(session)
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._session is not None
        try:
            # Detach first: entities handed out keep their loaded state instead of being
            # expired by the rollback, so results can be read after the block.
            self._session.expunge_all()
            self._session.rollback()
        finally:
            self._session.close()
            self._session = None
        if isinstance(exc, IntegrityError):
            # A uniqueness clash that surfaced before commit() (an autoflush inside a use case)
            # is the same conflict commit() would have reported, for HTTP and jobs alike.
            raise Conflict("the change collides with one made at the same time; retry") from exc

    @property
    def session(self) -> Session:
        assert self._session is not None, "use the unit of work inside a with block"
        return self._session

    def commit(self) -> None:
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

    def _write_events_to_outbox(self) -> list[str]:
        written = []
        now = self._clock.now()
        for aggregate in self._tracker.seen:
            while aggregate.events:
                event = aggregate.events.pop(0)
                message = OutboxMessage(self._ids.new_id(), event.name, event.payload(), now)
                self.outbox.add(message)
                written.append(message.id)
        return written

    def _dispatch(self, message_ids: list[str]) -> None:
        # After the commit: the rows are durable, so a lost enqueue only delays the relay.
        for message_id in message_ids:
            try:
                self._queue.enqueue(PROCESS_OUTBOX_JOB, message_id)
            except DeliveryFailed:
                log.warning("outbox message %s left for the relay: queue unreachable", message_id)
