"""Tells a person something: the in-app notification, then the email, each at most once."""

from __future__ import annotations

import logging
from collections.abc import Callable

from application.messaging.config import MessagingPolicy
from application.messaging.ports import (
    EmailMessage,
    Mailer,
    MailUnavailable,
    MessageRejected,
    MessageTemplates,
    MessagingUnitOfWork,
)
from application.messaging.published import Notice
from application.shared.leases import describe
from application.shared.ports import Clock, IdGenerator
from domain.messaging.model import Delivery, MessageKind, Notification
from domain.shared.errors import InvalidValue
from domain.shared.locale import Locale

log = logging.getLogger(__name__)


class Notify:
    """Messaging's ``Notifier``. The caller's job retries a transient mail failure; the key
    keeps the notification and the delivery record single, and a delivered email is never
    sent again."""

    def __init__(self, uow: MessagingUnitOfWork, templates: MessageTemplates, mailer: Mailer,
                 clock: Clock, ids: IdGenerator, policy: MessagingPolicy) -> None:
        self.uow, self.templates, self.mailer = uow, templates, mailer
        self.clock, self.ids, self.policy = clock, ids, policy

    def notify(self, notice: Notice) -> None:
        self(notice)

    def __call__(self, notice: Notice) -> None:
        kind, locale = _kind(notice.kind), Locale.parse(notice.recipient.locale)
        with self.uow:
            delivery = self._record(notice, kind, locale)
            self.uow.commit()
        if delivery is None:
            return
        locales = [locale, *([other for other in Locale if other != locale]
                             if self.policy.bilingual else [])]
        rendered = self.templates.render(kind, locales, {
            "name": notice.recipient.name, **notice.context})
        message = EmailMessage(notice.recipient.email, rendered.subject, rendered.text,
                               rendered.html, tags=(kind.value,))
        try:
            sent = self.mailer.send(message, notice.idempotency_key)
        except MailUnavailable as error:
            reason = describe(error)
            self._finish(delivery.id, lambda d: d.deferred(reason, self.clock.now()))
            raise
        except MessageRejected as error:
            reason = describe(error)
            log.warning("mail refused for good", extra={"delivery": delivery.id})
            self._finish(delivery.id, lambda d: d.failed(reason, self.clock.now()))
            return
        self._finish(delivery.id, lambda d: d.sent(sent.provider, sent.message_id,
                                                    self.clock.now()))

    def _record(self, notice: Notice, kind: MessageKind, locale: Locale) -> Delivery | None:
        """Stores the notification, and the delivery to attempt; None when no email goes."""
        now, key, person = self.clock.now(), notice.idempotency_key, notice.recipient
        # An address without an account (an institution's) gets the email alone.
        if person.user_id is not None and self.uow.inbox.by_key(key) is None:
            text = self.templates.summary(kind, locale, notice.data)
            self.uow.inbox.add(Notification.create(self.ids.new_id(), key, person.user_id,
                                                   kind, text, dict(notice.data), now))
        preferences = None if person.user_id is None else self.uow.preferences.get(
            person.user_id)
        if preferences is not None and not preferences.emails(kind):
            return None
        delivery = self.uow.deliveries.by_key(key)
        if delivery is None:
            delivery = Delivery(self.ids.new_id(), key, kind, person.email.lower(), locale,
                                now, now, person.user_id)
            self.uow.deliveries.add(delivery)
        if delivery.is_done:
            return None
        if self.uow.suppressions.get(person.email) is not None:
            delivery.suppressed(now)
            log.info("mail skipped: address suppressed", extra={"delivery": delivery.id})
            return None
        return delivery

    def _finish(self, delivery_id: str, change: Callable[[Delivery], None]) -> None:
        with self.uow:
            delivery = self.uow.deliveries.get(delivery_id)
            if delivery is not None:
                change(delivery)
                self.uow.commit()


def _kind(value: str) -> MessageKind:
    if value not in MessageKind._value2member_map_:
        raise InvalidValue(f"no messages of kind {value!r}")
    return MessageKind(value)
