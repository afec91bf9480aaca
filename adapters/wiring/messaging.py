"""The messaging area's wiring: its settings, records and handlers; the mail services
(``messaging_mail``) and the real-time channels (``messaging_realtime``) wire themselves."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from injector import Binder, Injector, provider, singleton

from adapters.outbound.mail.mailgun_webhooks import MailgunWebhookAuthenticator, mailgun_events
from adapters.outbound.mail.sendgrid_webhooks import (
    SendGridWebhookAuthenticator,
    load_public_key,
    sendgrid_events,
)
from adapters.outbound.persistence.messaging import SqlMessagingUnitOfWork
from adapters.outbound.templates.jinja import JinjaMessageTemplates
from adapters.settings import Section, Settings, SettingsReader
from adapters.wiring.area import AreaModule
from adapters.wiring.messaging_mail import MailModule
from adapters.wiring.messaging_realtime import RealtimeModule, RealtimeSettings
from application.messaging.check_deliverability import CheckDeliverability
from application.messaging.config import MessagingPolicy
from application.messaging.handle_mail_event import HandleMailEvents, MailEvent
from application.messaging.notify import Notify
from application.messaging.ports import MessageTemplates, MessagingUnitOfWork
from application.messaging.publish_notification import PublishNotification
from application.messaging.published import MailDeliverability, Notifier
from application.shared.ports import Clock, WebhookEvent
from application.shared.webhooks import WebhookProvider
from domain.messaging.events import NotificationCreated


@dataclass(frozen=True)
class MessagingSettings:
    mail_from: str = "eduport <no-reply@eduport.local>"
    outbox_dir: str = "var/mail"
    bilingual: bool = False
    mailgun_webhook_signing_key: str | None = None
    sendgrid_webhook_public_key: str | None = None

    @classmethod
    def read(cls, reader: SettingsReader) -> MessagingSettings:
        public_key = reader.text("SENDGRID_WEBHOOK_PUBLIC_KEY")
        if public_key is not None:
            try:
                load_public_key(public_key)
            except ValueError:
                reader.problems.append("SENDGRID_WEBHOOK_PUBLIC_KEY must be the base64 ECDSA "
                                       "public key SendGrid shows for the Event Webhook")
        return cls(mail_from=reader.required("MAIL_FROM", "eduport <no-reply@eduport.local>"),
                   outbox_dir=reader.required("MAIL_OUTBOX_DIR", f"{reader.data_dir}/mail"),
                   bilingual=reader.flag("MAIL_BILINGUAL", False),
                   mailgun_webhook_signing_key=reader.text("MAILGUN_WEBHOOK_SIGNING_KEY"),
                   sendgrid_webhook_public_key=public_key)


class MessagingModule(AreaModule):
    sections: Sequence[type[Section]] = (MessagingSettings, RealtimeSettings, MailModule.section)
    handlers = {NotificationCreated: (("realtime", PublishNotification),)}
    unit_of_work = (MessagingUnitOfWork, SqlMessagingUnitOfWork)
    webhook_names = ("mailgun", "sendgrid")  # bounces, complaints and deliveries

    def configure(self, binder: Binder) -> None:
        super().configure(binder)
        binder.install(MailModule())
        binder.install(RealtimeModule())
        # Other areas tell people things through the published interface.
        binder.bind(Notifier, to=lambda: binder.injector.get(Notify))
        binder.bind(MailDeliverability, to=lambda: binder.injector.get(CheckDeliverability))

    def webhook_providers(self, injector: Injector) -> Sequence[WebhookProvider]:
        section, clock = injector.get(Settings).section(MessagingSettings), injector.get(Clock)

        def handler(read: Callable[[WebhookEvent], list[MailEvent]]
                    ) -> Callable[[WebhookEvent], str]:
            return lambda event: injector.get(HandleMailEvents)(read(event))

        found = []
        if section.mailgun_webhook_signing_key:
            found.append(WebhookProvider("mailgun", MailgunWebhookAuthenticator(
                section.mailgun_webhook_signing_key, clock), handler(mailgun_events)))
        if section.sendgrid_webhook_public_key:
            found.append(WebhookProvider("sendgrid", SendGridWebhookAuthenticator(
                section.sendgrid_webhook_public_key, clock), handler(sendgrid_events)))
        return found

    @singleton
    @provider
    def templates(self) -> MessageTemplates:
        return JinjaMessageTemplates()

    @singleton
    @provider
    def policy(self, settings: Settings) -> MessagingPolicy:
        return MessagingPolicy(bilingual=settings.section(MessagingSettings).bilingual)
