"""After an export is built (an outbox handler, retried on its own), its owner is told where
to download it and until when."""

from __future__ import annotations

from application.accounts.personal_data import PrivacyUnitOfWork
from application.messaging.published import Notice, Notifier, Recipient
from application.shared.config import Links
from domain.accounts.personal_data import DataExportReady
from domain.shared.events import Event


class TellExportReady:
    def __init__(self, uow: PrivacyUnitOfWork, notifier: Notifier, links: Links) -> None:
        self.uow, self.notifier, self.links = uow, notifier, links

    def __call__(self, event: Event, idempotency_key: str) -> None:
        if not isinstance(event, DataExportReady):
            raise TypeError(f"TellExportReady handles ready exports, not {event.name}")
        with self.uow:
            user = self.uow.users.get(event.user_id)
            export = self.uow.exports.get(event.export_id)
        if user is None or user.is_erased or export is None or export.expires_at is None:
            return  # erased, or purged meanwhile: nobody to tell, nothing to fetch
        self.notifier.notify(Notice(
            Recipient(user.id, user.email, user.full_name, user.locale.value),
            "data_export_ready", idempotency_key,
            context={"link": self.links.to(f"account/data-export/{export.id}"),
                     "expires_at": export.expires_at.strftime("%Y-%m-%d %H:%M UTC")},
            data={"export_id": export.id}))
