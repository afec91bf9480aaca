"""Platform admins see the money path: which provider events arrived, what became of each,
and which wait for a retry or for an operator (never what the events carried)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from application.shared.ports import InboxDelivery, InboxUnitOfWork, Principal
from domain.shared.errors import InvalidValue, PermissionDenied
from domain.shared.roles import Role

# "failed": unprocessed with a recorded failure, waiting for its retry or given up;
# "given_up": every retry spent; "pending": unprocessed without a failure.
WEBHOOK_STATUSES = ("failed", "pending", "given_up", "processed")


@dataclass(frozen=True)
class ListWebhookDeliveriesQuery:
    actor: Principal
    status: str | None = None
    provider: str | None = None
    limit: int = 100


@dataclass(frozen=True)
class WebhookDeliverySummary:
    """A stored delivery without its payload: that may carry personal data."""

    id: str
    provider: str
    event_id: str
    event_type: str
    received_at: datetime
    processed_at: datetime | None
    attempts: int
    last_error: str | None
    retry_at: datetime | None
    gave_up_at: datetime | None
    outcome: str | None

    @classmethod
    def of(cls, delivery: InboxDelivery) -> WebhookDeliverySummary:
        return cls(delivery.id, delivery.provider, delivery.event_id, delivery.event_type,
                   delivery.received_at, delivery.processed_at, delivery.attempts,
                   delivery.last_error, delivery.retry_at, delivery.gave_up_at,
                   delivery.outcome)


class ListWebhookDeliveries:
    def __init__(self, uow: InboxUnitOfWork) -> None:
        self.uow = uow

    def __call__(self, query: ListWebhookDeliveriesQuery) -> list[WebhookDeliverySummary]:
        if query.actor.role != Role.PLATFORM_ADMIN:
            raise PermissionDenied("only platform admins read the webhook deliveries")
        if query.status is not None and query.status not in WEBHOOK_STATUSES:
            raise InvalidValue(f"status is one of: {', '.join(WEBHOOK_STATUSES)}")
        with self.uow:
            found = self.uow.webhooks.list(query.status, query.provider, query.limit)
        return [WebhookDeliverySummary.of(delivery) for delivery in found]
