"""What messaging needs from the outside world: mail services, message templates, and its
own records (the delivery log, the in-app inbox, suppressions, preferences). What other
areas may use is in ``published``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from application.shared.errors import DeliveryFailed
from application.shared.ports import AuditedUnitOfWork
from domain.messaging.model import Delivery, Notification, Preferences, Suppression
from domain.shared.errors import DomainError


@dataclass(frozen=True)
class EmailMessage:
    to: str
    subject: str
    text: str
    html: str | None = None
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class SentMail:
    provider: str  # "mailgun", "sendgrid", "smtp", "file"
    message_id: str | None  # the service's id, when it gives one (bounces refer to it)


class MessageRejected(DomainError):
    """The mail service refused this message for good (invalid address, 4xx other than
    429): retrying would not help."""

    code = "message_rejected"


class MailUnavailable(DeliveryFailed):
    """The mail service failed transiently (timeout, 5xx, 429 with its ``retry_after``)."""


class Mailer(Protocol):
    provider: str

    def send(self, message: EmailMessage, idempotency_key: str) -> SentMail:
        """Hands the message (plain text and HTML parts) to the mail service. Every call has
        a timeout. Sending again with the same key delivers at most once where the service
        allows it. Raises ``MailUnavailable`` for a transient failure and ``MessageRejected``
        for a message the service refuses for good."""


@dataclass(frozen=True)
class RenderedMessage:
    subject: str
    text: str
    html: str


class MessageTemplates(Protocol):
    def render(self, kind: str, locales: Sequence[str],
               context: Mapping[str, Any]) -> RenderedMessage:
        """The message of ``kind`` in ``locales`` (the reader's first; two for a bilingual
        message), HTML and plain text, from templates and catalogues. Raises ``InvalidValue``
        for an unknown kind or locale."""

    def summary(self, kind: str, locale: str, context: Mapping[str, Any]) -> str:
        """The one-line in-app text of ``kind`` (safe fields only: no links or tokens)."""


class DeliveryLog(Protocol):
    def add(self, delivery: Delivery) -> None: ...
    def get(self, delivery_id: str) -> Delivery | None: ...
    def by_key(self, idempotency_key: str) -> Delivery | None: ...
    def by_provider_id(self, provider: str, message_id: str) -> Delivery | None: ...
    def search(self, recipient: str | None, status: str | None, limit: int) -> list[Delivery]:
        """Newest first."""


class Inbox(Protocol):
    """The in-app notifications of every user."""

    def add(self, notification: Notification) -> None: ...
    def by_key(self, idempotency_key: str) -> Notification | None: ...
    def get(self, notification_id: str) -> Notification | None: ...
    def page(self, user_id: str, page: int, page_size: int) -> tuple[list[Notification], int]:
        """One page of the user's notifications, newest first, and their total."""

    def unread(self, user_id: str) -> int: ...
    def read_all(self, user_id: str, now: datetime) -> int:
        """Marks every unread notification of the user read; returns how many."""


class Suppressions(Protocol):
    def add(self, suppression: Suppression) -> bool:
        """False when the address was suppressed already."""

    def get(self, address: str) -> Suppression | None: ...


class PreferencesStore(Protocol):
    def get(self, user_id: str) -> Preferences | None: ...
    def save(self, preferences: Preferences) -> None: ...


class MessagingUnitOfWork(AuditedUnitOfWork, Protocol):
    deliveries: DeliveryLog
    inbox: Inbox
    suppressions: Suppressions
    preferences: PreferencesStore


class MemberDirectory(Protocol):
    def name(self, user_id: str) -> str | None:
        """The user's display name (a presence channel shows it to the other members);
        None when the account is unknown."""
