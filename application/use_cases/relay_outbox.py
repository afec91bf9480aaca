"""Re-dispatches outbox messages a crash left behind between commit and enqueue."""

from __future__ import annotations

from dataclasses import dataclass

from application.config import OutboxPolicy
from application.ports import Clock, TaskQueue, UnitOfWork
from application.use_cases.process_outbox_message import PROCESS_OUTBOX_JOB

RELAY_OUTBOX_JOB = "relay_outbox"


@dataclass(frozen=True)
class RelayOutboxResult:
    redispatched: tuple[str, ...]


class RelayOutbox:
    def __init__(self, uow: UnitOfWork, clock: Clock, queue: TaskQueue,
                 policy: OutboxPolicy) -> None:
        self.uow, self.clock, self.queue, self.policy = uow, clock, queue, policy

    def __call__(self, limit: int = 500) -> RelayOutboxResult:
        now = self.clock.now()
        with self.uow:
            stranded = self.uow.outbox.stranded(now - self.policy.relay_grace, now, limit)
        for message_id in stranded:
            self.queue.enqueue(PROCESS_OUTBOX_JOB, message_id)
        return RelayOutboxResult(redispatched=tuple(stranded))
