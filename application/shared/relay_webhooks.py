"""Re-queues webhook deliveries that are due: stored but never tried (the enqueue was lost),
abandoned by a worker that died while processing them, or failed and due for their retry.
Given-up ones are the operator's to replay."""

from __future__ import annotations

from datetime import timedelta

from application.shared.config import LeasePolicy
from application.shared.jobs import Job
from application.shared.leases import Leases
from application.shared.ports import InboxUnitOfWork, TaskQueue
from application.shared.process_webhook_event import INBOX


class RelayWebhooks:
    def __init__(self, uow: InboxUnitOfWork, leases: Leases, queue: TaskQueue,
                 policy: LeasePolicy) -> None:
        self.uow, self.leases, self.queue, self.policy = uow, leases, queue, policy

    def __call__(self) -> int:
        return len(self.leases.relay(self.uow, INBOX, self.queue, self.policy.relay_grace))


RELAY_WEBHOOKS = Job("relay_webhooks", RelayWebhooks, every=timedelta(seconds=10))
