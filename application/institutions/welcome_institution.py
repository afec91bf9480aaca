"""The welcome email to a new institution's primary address (an outbox handler on
``InstitutionCreated``, retried on its own; sent once)."""

from __future__ import annotations

from application.institutions.institutions import primary_recipient
from application.institutions.ports import InstitutionsUnitOfWork
from application.messaging.published import Notice, Notifier
from application.shared.config import Links
from domain.institutions.events import InstitutionCreated
from domain.shared.events import Event


class WelcomeInstitution:
    def __init__(self, uow: InstitutionsUnitOfWork, notifier: Notifier, links: Links) -> None:
        self.uow, self.notifier, self.links = uow, notifier, links

    def __call__(self, event: Event, idempotency_key: str) -> None:
        if not isinstance(event, InstitutionCreated):
            raise TypeError(f"WelcomeInstitution handles creations, not {event.name}")
        with self.uow.reading():
            found = self.uow.institutions.get(event.institution_id)
        if found is None or not found.is_active:
            return
        self.notifier.notify(Notice(
            primary_recipient(found), "institution_welcome",
            idempotency_key,
            context={"institution": found.name, "plan": found.plan, "domain": found.domain,
                     "link": self.links.to("institution")},
            data={"institution_id": found.id}))
