from __future__ import annotations

from datetime import timedelta

from application.ports import Clock, TaskQueue, UnitOfWork
from application.use_cases.receive_webhook import PROCESS_WEBHOOK_JOB


class RelayWebhooks:
    """Re-queues deliveries stored but never tried (the enqueue was lost). Failed ones are
    RQ's to retry and the operator's to replay."""

    grace = timedelta(seconds=60)

    def __init__(self, uow: UnitOfWork, queue: TaskQueue, clock: Clock) -> None:
        self.uow, self.queue, self.clock = uow, queue, clock

    def __call__(self) -> int:
        with self.uow:
            stranded = self.uow.webhooks.unprocessed(self.clock.now() - self.grace, 500)
        for delivery_id in stranded:
            self.queue.enqueue(PROCESS_WEBHOOK_JOB, delivery_id)
        return len(stranded)
