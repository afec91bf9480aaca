"""A new alert reaches the platform's admins as it happens (an outbox handler on
``AlertRaised``): ``alert.created`` on ``private-admin``."""

from __future__ import annotations

from application.institutions.ports import InstitutionsUnitOfWork
from application.messaging.published import RealtimePublisher
from domain.institutions.events import AlertRaised
from domain.shared.events import Event

ADMINS = "private-admin"


class AnnounceAlert:
    def __init__(self, uow: InstitutionsUnitOfWork, publisher: RealtimePublisher) -> None:
        self.uow, self.publisher = uow, publisher

    def __call__(self, event: Event, idempotency_key: str) -> None:
        if not isinstance(event, AlertRaised):
            raise TypeError(f"AnnounceAlert handles alerts, not {event.name}")
        with self.uow.reading():
            alert = self.uow.alerts.get(event.alert_id)
        if alert is None:
            return
        self.publisher.publish([ADMINS], "alert.created", {
            "alert_id": alert.id, "institution_id": alert.institution_id, "type": alert.kind,
            "severity": alert.severity.value, "message": alert.message[:200],
            "raised_at": alert.raised_at.isoformat()})
