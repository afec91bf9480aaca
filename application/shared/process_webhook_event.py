"""Acts on one stored webhook delivery, once, through its provider's handler."""

from __future__ import annotations

from dataclasses import dataclass

from application.shared.config import LeasePolicy
from application.shared.jobs import Job
from application.shared.leases import LeasedKind, Leases
from application.shared.ports import InboxDelivery, InboxUnitOfWork, WebhookEvent
from application.shared.webhooks import WebhookProviders

INBOX: LeasedKind[InboxUnitOfWork, InboxDelivery] = LeasedKind(
    "process_webhook_event", lambda uow: uow.webhooks)
PROCESS_WEBHOOK_JOB = INBOX.job


@dataclass(frozen=True)
class ProcessWebhookEventResult:
    outcome: str
    skipped: bool = False
    error: str | None = None  # how processing failed; the delivery is retried when due


class ProcessWebhookEvent:
    def __init__(self, uow: InboxUnitOfWork, leases: Leases, providers: WebhookProviders,
                 policy: LeasePolicy) -> None:
        self.uow, self.leases, self.providers, self.policy = uow, leases, providers, policy

    def __call__(self, delivery_id: str) -> ProcessWebhookEventResult:
        done = self.leases.process(self.uow, INBOX, delivery_id, self.policy.webhook_lease,
                                   self._handle)
        if done.error is not None:
            return ProcessWebhookEventResult(f"failed: {done.error}", error=done.error)
        if done.outcome is None:  # processed already, in progress elsewhere, or not due
            return ProcessWebhookEventResult("already processed, in progress or not due yet",
                                             skipped=True)
        return ProcessWebhookEventResult(done.outcome)

    def _handle(self, delivery: InboxDelivery) -> str:
        event = WebhookEvent(delivery.provider, delivery.event_id, delivery.event_type,
                             delivery.payload)
        return self.providers.get(delivery.provider).handle(event)


PROCESS_WEBHOOK = Job(PROCESS_WEBHOOK_JOB, ProcessWebhookEvent)
