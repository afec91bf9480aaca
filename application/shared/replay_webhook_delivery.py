from __future__ import annotations

from dataclasses import dataclass

from application.shared.audit import Auditor
from application.shared.ports import KernelUnitOfWork, Principal
from application.shared.replay_webhooks import (
    ReplayedDelivery,
    ReplayWebhooks,
    ReplayWebhooksCommand,
)
from domain.shared.errors import PermissionDenied
from domain.shared.roles import Role


@dataclass(frozen=True)
class ReplayWebhookDeliveryCommand:
    actor: Principal
    delivery_id: str


class ReplayWebhookDelivery:
    """A platform admin runs one stored delivery again (``POST /admin/webhooks/{id}/replay``),
    given up or not; the act is audited with its outcome. Raises ``NotFound`` for an unknown
    delivery."""

    def __init__(self, uow: KernelUnitOfWork, replay: ReplayWebhooks, auditor: Auditor) -> None:
        self.uow, self.replay, self.auditor = uow, replay, auditor

    def __call__(self, cmd: ReplayWebhookDeliveryCommand) -> ReplayedDelivery:
        if cmd.actor.role != Role.PLATFORM_ADMIN:
            raise PermissionDenied("only platform admins replay webhook deliveries")
        (replayed,) = self.replay(ReplayWebhooksCommand(delivery_id=cmd.delivery_id))
        with self.uow:
            self.auditor.record(self.uow, cmd.actor.user_id, "webhook.replayed",
                                "webhook_delivery", cmd.delivery_id, outcome=replayed.outcome)
            self.uow.commit()
        return replayed
