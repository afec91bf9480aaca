"""Re-dispatches outbox messages that are due: left behind by a crash between commit and
enqueue, abandoned by a dead worker, or failed and due for their retry."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from application.shared.config import LeasePolicy
from application.shared.jobs import Job
from application.shared.leases import Leases
from application.shared.ports import OutboxUnitOfWork, TaskQueue
from application.shared.process_outbox_message import OUTBOX


@dataclass(frozen=True)
class RelayOutboxResult:
    redispatched: tuple[str, ...]


class RelayOutbox:
    def __init__(self, uow: OutboxUnitOfWork, leases: Leases, queue: TaskQueue,
                 policy: LeasePolicy) -> None:
        self.uow, self.leases, self.queue, self.policy = uow, leases, queue, policy

    def __call__(self, limit: int = 500) -> RelayOutboxResult:
        stranded = self.leases.relay(self.uow, OUTBOX, self.queue, self.policy.relay_grace, limit)
        return RelayOutboxResult(redispatched=tuple(stranded))


RELAY_OUTBOX = Job("relay_outbox", RelayOutbox, every=timedelta(seconds=10))
