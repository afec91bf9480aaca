from __future__ import annotations

from application.config import PaymentPolicy
from application.ports import Clock, TaskQueue, UnitOfWork
from application.use_cases.receive_webhook import PROCESS_WEBHOOK_JOB

RELAY_WEBHOOKS_JOB = "relay_webhooks"


class RelayWebhooks:
    """Re-queues deliveries stored but never tried (the enqueue was lost) or abandoned by a
    worker that died while processing them. Failed ones are RQ's to retry and the
    operator's to replay."""

    def __init__(self, uow: UnitOfWork, queue: TaskQueue, clock: Clock,
                 policy: PaymentPolicy) -> None:
        self.uow, self.queue, self.clock, self.policy = uow, queue, clock, policy

    def __call__(self) -> int:
        now = self.clock.now()
        with self.uow:
            stranded = self.uow.webhooks.unprocessed(now - self.policy.relay_grace, now, 500)
        for delivery_id in stranded:
            self.queue.enqueue(PROCESS_WEBHOOK_JOB, delivery_id)
        return len(stranded)
