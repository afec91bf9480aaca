"""Messaging's mail wiring: which mail service sends email (the .eml folder by default)."""

from __future__ import annotations

from injector import Module, provider, singleton

from adapters.outbound.mail.file_mailer import FileMailer
from adapters.settings import Settings
from adapters.wiring.choice import vendor_or_default
from application.messaging.ports import Mailer


class MailModule(Module):
    @singleton
    @provider
    def mailer(self, settings: Settings) -> Mailer:
        from adapters.wiring.messaging import MessagingSettings

        mail = settings.section(MessagingSettings)
        return vendor_or_default({}, ("file", lambda: FileMailer(mail.outbox_dir, mail.mail_from)))
