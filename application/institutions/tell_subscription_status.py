"""An institution's admins are told when its subscription's status changes (an outbox
handler on ``SubscriptionStatusChanged``): by email and in the app."""

from __future__ import annotations

from application.institutions.institutions import admin_recipients
from application.institutions.ports import InstitutionsUnitOfWork
from application.messaging.published import Notice, Notifier
from application.shared.config import Links
from domain.institutions.events import SubscriptionStatusChanged
from domain.shared.events import Event


class TellSubscriptionStatus:
    def __init__(self, uow: InstitutionsUnitOfWork, notifier: Notifier, links: Links) -> None:
        self.uow, self.notifier, self.links = uow, notifier, links

    def __call__(self, event: Event, idempotency_key: str) -> None:
        if not isinstance(event, SubscriptionStatusChanged):
            raise TypeError(f"TellSubscriptionStatus handles statuses, not {event.name}")
        with self.uow.reading():
            institution = self.uow.institutions.get(event.institution_id)
            admins = admin_recipients(self.uow, event.institution_id)
        if institution is None:
            return
        for admin in admins:
            self.notifier.notify(Notice(
                admin, "subscription_status_changed", f"{idempotency_key}:{admin.user_id}",
                context={"institution": institution.name, "plan": institution.plan,
                         "status": event.after, "link": self.links.to("institution")},
                # The name is in the data too: the in-app notice's subject names it.
                data={"institution_id": institution.id, "institution": institution.name,
                      "status": event.after,
                      "subscription_id": event.subscription_id}))
