"""An institution's admins are told when its subscription's status changes (an outbox
handler on ``SubscriptionStatusChanged``): by email and in the app."""

from __future__ import annotations

from application.institutions.ports import InstitutionsUnitOfWork
from application.messaging.published import Notice, Notifier, Recipient
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
            admins = [self.uow.people.contact(user_id)
                      for user_id in self.uow.admins.of_institution(event.institution_id)]
        if institution is None:
            return
        for admin in (a for a in admins if a is not None):
            self.notifier.notify(Notice(
                Recipient(admin.user_id, admin.email, admin.full_name, admin.locale),
                "subscription_status_changed", f"{idempotency_key}:{admin.user_id}",
                context={"institution": institution.name, "plan": institution.plan,
                         "status": event.after, "link": self.links.to("institution")},
                # The name is in the data too: the in-app notice's subject names it.
                data={"institution_id": institution.id, "institution": institution.name,
                      "status": event.after,
                      "subscription_id": event.subscription_id}))
