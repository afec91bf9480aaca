from __future__ import annotations

from dataclasses import dataclass

from application.shared.ports import InboxUnitOfWork
from application.shared.process_webhook_event import ProcessWebhookEvent
from domain.shared.errors import NotFound


@dataclass(frozen=True)
class ReplayWebhooksCommand:
    delivery_id: str | None = None
    failed: bool = False  # every delivery whose last processing failed


@dataclass(frozen=True)
class ReplayedDelivery:
    delivery_id: str
    outcome: str


class ReplayWebhooks:
    """Operators re-run stored deliveries (`eduport webhooks replay`); processing is
    idempotent, so replaying a processed one only re-applies the provider's current state."""

    def __init__(self, uow: InboxUnitOfWork, process: ProcessWebhookEvent) -> None:
        self.uow, self.process = uow, process

    def __call__(self, cmd: ReplayWebhooksCommand) -> list[ReplayedDelivery]:
        with self.uow:
            ids = [cmd.delivery_id] if cmd.delivery_id else self.uow.webhooks.failed(500)
            for delivery_id in ids:
                if not self.uow.webhooks.reopen(delivery_id):
                    raise NotFound(f"no webhook delivery {delivery_id}")
            self.uow.commit()
        replayed = []
        for delivery_id in ids:
            done = self.process(delivery_id)  # a failure is recorded and reported; the rest run
            outcome = f"failed again: {done.error}" if done.error else done.outcome
            replayed.append(ReplayedDelivery(delivery_id, outcome))
        return replayed

