"""A broadcast reaches an institution's admins by email and in the app (an outbox handler
on ``BroadcastDue``, retried on its own: each admin told once)."""

from __future__ import annotations

from application.institutions.institutions import admin_recipients
from application.institutions.ports import InstitutionsUnitOfWork
from application.messaging.published import Notice, Notifier
from application.shared.config import Links
from domain.institutions.events import BroadcastDue
from domain.shared.events import Event


class TellAdminsOfBroadcast:
    def __init__(self, uow: InstitutionsUnitOfWork, notifier: Notifier, links: Links) -> None:
        self.uow, self.notifier, self.links = uow, notifier, links

    def __call__(self, event: Event, idempotency_key: str) -> None:
        if not isinstance(event, BroadcastDue):
            raise TypeError(f"TellAdminsOfBroadcast handles broadcasts, not {event.name}")
        with self.uow.reading():
            broadcast = self.uow.broadcasts.get(event.broadcast_id)
            delivery = self.uow.deliveries.get(event.delivery_id)
            admins = admin_recipients(self.uow, delivery.institution_id) if delivery else []
        if broadcast is None:
            return
        when = broadcast.scheduled_at.isoformat() if broadcast.scheduled_at else ""
        for admin in admins:
            self.notifier.notify(Notice(
                admin, "platform_broadcast", f"{idempotency_key}:{admin.user_id}",
                context={"title": broadcast.title, "message": broadcast.message,
                         "scheduled_at": when, "link": self.links.to("institution")},
                data={"broadcast_id": broadcast.id, "title": broadcast.title,
                      "kind": broadcast.kind}))
