from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

from application.shared.errors import DeliveryFailed
from application.shared.ports import Clock, IdGenerator, InboxDelivery, InboxUnitOfWork, TaskQueue
from application.shared.process_webhook_event import PROCESS_WEBHOOK_JOB
from application.shared.webhooks import WebhookProviders

log = logging.getLogger(__name__)


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

    def __init__(self, uow: InboxUnitOfWork, providers: WebhookProviders, queue: TaskQueue,
                 clock: Clock, ids: IdGenerator) -> None:
        self.uow, self.providers, self.queue = uow, providers, queue
        self.clock, self.ids = clock, ids

    def __call__(self, cmd: ReceiveWebhookCommand) -> ReceiveWebhookResult:
        event = self.providers.get(cmd.provider).authenticator.authenticate(cmd.headers, cmd.body)
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
