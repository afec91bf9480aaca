from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

from application.ports import Clock, IdGenerator, InboxDelivery, TaskQueue, UnitOfWork
from application.providers import WebhookEndpoints
from domain.errors import DeliveryFailed

log = logging.getLogger(__name__)
PROCESS_WEBHOOK_JOB = "process_webhook_event"


@dataclass(frozen=True)
class ReceiveWebhookCommand:
    provider: str
    headers: Mapping[str, str]
    body: bytes


@dataclass(frozen=True)
class ReceiveWebhookResult:
    delivery_id: str | None
    duplicate: bool


class ReceiveWebhook:
    """The inbox: authenticate the raw delivery, store it once, commit, queue processing.
    A forged or stale delivery raises before anything is stored."""

    def __init__(self, uow: UnitOfWork, endpoints: WebhookEndpoints, queue: TaskQueue,
                 clock: Clock, ids: IdGenerator) -> None:
        self.uow, self.endpoints, self.queue = uow, endpoints, queue
        self.clock, self.ids = clock, ids

    def __call__(self, cmd: ReceiveWebhookCommand) -> ReceiveWebhookResult:
        event = self.endpoints.authenticator(cmd.provider).authenticate(cmd.headers, cmd.body)
        delivery = InboxDelivery(self.ids.new_id(), event.provider, event.event_id,
                                 event.event_type, event.payload, self.clock.now())
        with self.uow:
            stored = self.uow.webhooks.add(delivery)
            self.uow.commit()
        if not stored:
            return ReceiveWebhookResult(None, duplicate=True)
        try:
            self.queue.enqueue(PROCESS_WEBHOOK_JOB, delivery.id)
        except DeliveryFailed:  # stored and committed: the relay picks it up
            log.warning("webhook %s left for the relay: queue unreachable", delivery.id)
        return ReceiveWebhookResult(delivery.id, duplicate=False)
