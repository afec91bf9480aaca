"""The messaging area's wiring: the mailer (the .eml folder is the embedded default)."""

from __future__ import annotations

from injector import provider, singleton

from adapters.outbound.mail.file_mailer import FileMailer
from adapters.settings import Settings
from adapters.wiring.area import AreaModule
from adapters.wiring.choice import vendor_or_default
from application.messaging.ports import Mailer


class MessagingModule(AreaModule):
    @singleton
    @provider
    def mailer(self, settings: Settings) -> Mailer:
        mail = settings.mail
        return vendor_or_default({}, ("file", lambda: FileMailer(mail.outbox_dir, mail.mail_from)))
