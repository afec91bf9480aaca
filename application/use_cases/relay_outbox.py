"""Re-dispatches outbox messages a crash left behind between commit and enqueue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from application.ports import Clock, TaskQueue, UnitOfWork
from application.use_cases.process_outbox_message import PROCESS_OUTBOX_JOB

RELAY_OUTBOX_JOB = "relay_outbox"


@dataclass(frozen=True)
class RelayOutboxResult:
    redispatched: tuple[str, ...]


class RelayOutbox:
    # Younger messages are probably still on the fast path; leave them to it.
    grace = timedelta(seconds=30)

    def __init__(self, uow: UnitOfWork, clock: Clock, queue: TaskQueue) -> None:
        self.uow, self.clock, self.queue = uow, clock, queue

    def __call__(self, limit: int = 500) -> RelayOutboxResult:
        now = self.clock.now()
        with self.uow:
            stranded = self.uow.outbox.stranded(now - self.grace, now, limit)
        for message_id in stranded:
            self.queue.enqueue(PROCESS_OUTBOX_JOB, message_id)
        return RelayOutboxResult(redispatched=tuple(stranded))
