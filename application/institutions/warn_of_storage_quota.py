"""The storage warning to an institution's primary address (an outbox handler on
``StorageQuotaExceeded``, retried on its own; sent once per crossing)."""

from __future__ import annotations

from application.institutions.institutions import primary_recipient
from application.institutions.ports import InstitutionsUnitOfWork
from application.messaging.published import Notice, Notifier
from application.shared.config import Links
from domain.institutions.events import StorageQuotaExceeded
from domain.shared.events import Event

GB = 10**9


class WarnOfStorageQuota:
    def __init__(self, uow: InstitutionsUnitOfWork, notifier: Notifier, links: Links) -> None:
        self.uow, self.notifier, self.links = uow, notifier, links

    def __call__(self, event: Event, idempotency_key: str) -> None:
        if not isinstance(event, StorageQuotaExceeded):
            raise TypeError(f"WarnOfStorageQuota handles quota crossings, not {event.name}")
        with self.uow.reading():
            found = self.uow.institutions.get(event.institution_id)
        if found is None or not found.is_active:
            return
        self.notifier.notify(Notice(
            primary_recipient(found), "storage_quota_warning",
            idempotency_key,
            context={"institution": found.name, "percent": event.percent,
                     "used": f"{event.used_bytes / GB:.2f} GB",
                     "quota": f"{event.quota_bytes / GB:.2f} GB",
                     "link": self.links.to("institution")},
            data={"institution_id": found.id, "percent": event.percent}))
