"""The messaging area's wiring: the mailer (the .eml folder is the embedded default)."""

from __future__ import annotations

from dataclasses import dataclass

from injector import provider, singleton

from adapters.outbound.mail.file_mailer import FileMailer
from adapters.settings import Settings, SettingsReader
from adapters.wiring.area import AreaModule
from adapters.wiring.choice import vendor_or_default
from application.messaging.ports import Mailer


@dataclass(frozen=True)
class MessagingSettings:
    mail_from: str = "eduport <no-reply@eduport.local>"
    outbox_dir: str = "var/mail"

    @classmethod
    def read(cls, reader: SettingsReader) -> MessagingSettings:
        return cls(mail_from=reader.required("MAIL_FROM", "eduport <no-reply@eduport.local>"),
                   outbox_dir=reader.required("MAIL_OUTBOX_DIR", f"{reader.data_dir}/mail"))


class MessagingModule(AreaModule):
    settings = MessagingSettings

    @singleton
    @provider
    def mailer(self, settings: Settings) -> Mailer:
        mail = settings.section(MessagingSettings)
        return vendor_or_default({}, ("file", lambda: FileMailer(mail.outbox_dir, mail.mail_from)))
