"""What a mail service reports about a message we sent (delivered, deferred, bounced,
complained): the delivery log follows it, and an address that bounced for good or whose
owner complained is suppressed: no more mail goes to it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from application.messaging.ports import MessagingUnitOfWork
from application.shared.audit import Auditor
from application.shared.ports import Clock
from domain.messaging.model import DeliveryStatus, Suppression, SuppressionReason

_SUPPRESSES = {DeliveryStatus.BOUNCED: SuppressionReason.BOUNCED,
               DeliveryStatus.COMPLAINED: SuppressionReason.COMPLAINED}


@dataclass(frozen=True)
class MailEvent:
    """One report, in our terms. ``status`` is DELIVERED, DEFERRED, BOUNCED (permanent
    only) or COMPLAINED; ``message_id`` is the service's id of the message we sent."""

    provider: str
    message_id: str | None
    recipient: str
    status: DeliveryStatus
    detail: str | None = None


class HandleMailEvents:
    def __init__(self, uow: MessagingUnitOfWork, clock: Clock, auditor: Auditor) -> None:
        self.uow, self.clock, self.auditor = uow, clock, auditor

    def __call__(self, events: Sequence[MailEvent]) -> str:
        changed = suppressed = 0
        with self.uow:
            for event in events:
                delivery = (self.uow.deliveries.by_provider_id(event.provider, event.message_id)
                            if event.message_id else None)
                if delivery is not None and delivery.reported(event.status, self.clock.now(),
                                                              event.detail):
                    changed += 1
                reason = _SUPPRESSES.get(event.status)
                if reason is not None and self.uow.suppressions.add(Suppression(
                        event.recipient.lower(), reason, event.provider, self.clock.now())):
                    suppressed += 1
                    self.auditor.record(self.uow, None, "mail.address_suppressed",
                                        "delivery", delivery.id if delivery else None,
                                        reason=reason.value, provider=event.provider)
            self.uow.commit()
        return f"{changed} deliveries updated, {suppressed} addresses suppressed"
