"""Runs the handlers of one outbox message, once each, however often it is dispatched."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta

from application.ports import Clock, UnitOfWork
from domain.events import Event

log = logging.getLogger(__name__)

PROCESS_OUTBOX_JOB = "process_outbox_message"
LEASE = timedelta(minutes=5)


@dataclass(frozen=True)
class EventHandler:
    """A named reaction to an event; ``run(event, idempotency_key)`` may call vendors."""

    name: str
    run: Callable[[Event, str], None]


@dataclass(frozen=True)
class EventHandlers:
    """Which handlers react to which event type (by the event class name)."""

    by_event: Mapping[str, Sequence[EventHandler]]

    def for_event(self, event_type: str) -> Sequence[EventHandler]:
        return self.by_event.get(event_type, ())


@dataclass(frozen=True)
class ProcessOutboxMessageResult:
    ran: tuple[str, ...]
    skipped: bool


class ProcessOutboxMessage:
    def __init__(self, uow: UnitOfWork, clock: Clock, handlers: EventHandlers) -> None:
        self.uow, self.clock, self.handlers = uow, clock, handlers

    def __call__(self, message_id: str) -> ProcessOutboxMessageResult:
        with self.uow:
            message = self.uow.outbox.claim(message_id, self.clock.now(), LEASE)
            self.uow.commit()
        if message is None:
            return ProcessOutboxMessageResult(ran=(), skipped=True)
        event, ran = Event.restore(message.event_type, message.payload), []
        for handler in self.handlers.for_event(message.event_type):
            if handler.name not in message.handled_by:
                self._run(message_id, handler, event)
                ran.append(handler.name)
        with self.uow:
            self.uow.outbox.mark_processed(message_id, self.clock.now())
            self.uow.commit()
        return ProcessOutboxMessageResult(ran=tuple(ran), skipped=False)

    def _run(self, message_id: str, handler: EventHandler, event: Event) -> None:
        try:
            handler.run(event, f"outbox:{message_id}:{handler.name}")
        except Exception as error:
            with self.uow:
                self.uow.outbox.release(message_id, f"{handler.name}: {type(error).__name__}")
                self.uow.commit()
            raise
        with self.uow:
            self.uow.outbox.mark_handled(message_id, handler.name)
            self.uow.commit()
