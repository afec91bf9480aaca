"""Runs the handlers of one outbox message, once each, however often it is dispatched."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta

from application.shared.jobs import Job
from application.shared.leases import LeasedKind, Leases, step
from application.shared.ports import OutboxMessage, OutboxUnitOfWork
from domain.shared.events import Event

OUTBOX: LeasedKind[OutboxUnitOfWork, OutboxMessage] = LeasedKind(
    "process_outbox_message", lambda uow: uow.outbox)
LEASE = timedelta(minutes=5)
PROCESS_OUTBOX_JOB = OUTBOX.job


@dataclass(frozen=True)
class EventHandler:
    """A named reaction to an event; ``run(event, idempotency_key)`` may call vendors."""

    name: str
    run: Callable[[Event, str], None]


@dataclass(frozen=True)
class EventHandlers:
    """Which handlers react to which event, keyed by the event's class."""

    by_event: Mapping[type[Event], Sequence[EventHandler]]

    def for_event(self, event: Event) -> Sequence[EventHandler]:
        return self.by_event.get(type(event), ())


@dataclass(frozen=True)
class ProcessOutboxMessageResult:
    ran: tuple[str, ...]
    skipped: bool
    error: str | None = None  # the handler that failed and how; it is retried alone


class ProcessOutboxMessage:
    def __init__(self, uow: OutboxUnitOfWork, leases: Leases, handlers: EventHandlers) -> None:
        self.uow, self.leases, self.handlers = uow, leases, handlers

    def __call__(self, message_id: str) -> ProcessOutboxMessageResult:
        ran: list[str] = []
        done = self.leases.process(self.uow, OUTBOX, message_id, LEASE,
                                   lambda message: self._run_handlers(message, ran))
        return ProcessOutboxMessageResult(ran=tuple(ran), skipped=done.skipped, error=done.error)

    def _run_handlers(self, message: OutboxMessage, ran: list[str]) -> str:
        """Runs every handler not done yet; one that fails does not hold back the others
        (a real-time service that is down delays no email). The first failure is raised
        once all had their turn, so the message is retried for the failed ones alone."""
        event = Event.restore(message.event_type, message.payload)
        failures: list[Exception] = []
        for handler in self.handlers.for_event(event):
            if handler.name in message.handled_by:
                continue
            try:
                with step(handler.name):
                    handler.run(event, f"outbox:{message.id}:{handler.name}")
            except Exception as error:
                failures.append(error)
                continue
            with self.uow:  # a retry skips this one
                self.uow.outbox.mark_handled(message.id, handler.name)
                self.uow.commit()
            ran.append(handler.name)
        if failures:
            raise failures[0]
        return f"ran: {', '.join(ran) or 'no handler'}"


PROCESS_OUTBOX_MESSAGE = Job(PROCESS_OUTBOX_JOB, ProcessOutboxMessage)
