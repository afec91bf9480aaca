"""Fakes of the messaging area: a mailer that keeps what it was given, messaging's
records, and a real-time publisher that keeps what it published."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from application.messaging.channels import (
    PRESENCE,
    SOCKET_ID,
    channel_name_problem,
    encode_event,
)
from application.messaging.ports import EmailMessage, SentMail
from domain.messaging.model import Delivery, Notification, Preferences, Suppression
from tests.unit.shared.fakes import FakeAuditLog, FakeUnitOfWorkBase, _Repo


class FakeMailer:
    provider = "fake"

    def __init__(self) -> None:
        self.sent: dict[str, EmailMessage] = {}
        self.failures: list[Exception] = []  # raised, one per send, before anything is sent

    def send(self, message: EmailMessage, idempotency_key: str) -> SentMail:
        if self.failures:
            raise self.failures.pop(0)
        self.sent.setdefault(idempotency_key, message)
        return SentMail(self.provider, f"fake-{idempotency_key}")


# --- messaging's records ---------------------------------------------------------------------


class _Store(_Repo):
    """Aggregates of one kind in the fake database, staged until commit like the others."""

    kind: type[Any]

    def _all(self) -> dict[str, Any]:
        table = getattr(self.uow.db, self.uow.tables[self.kind])
        return {**table, **self.uow.staging(self.kind)}

    def add(self, item: Any) -> None:
        self.uow.staging(self.kind)[item.id] = item
        self._track(item)

    def get(self, item_id: str) -> Any:
        return self._take(self._all().get(item_id))

    def _where(self, **fields: Any) -> list[Any]:
        return [self._take(item) for item in self._all().values()
                if all(getattr(item, k) == v for k, v in fields.items())]


class FakeDeliveryLog(_Store):
    kind = Delivery

    def by_key(self, idempotency_key: str) -> Delivery | None:
        return next(iter(self._where(idempotency_key=idempotency_key)), None)

    def by_provider_id(self, provider: str, message_id: str) -> Delivery | None:
        return next(iter(self._where(provider=provider, provider_message_id=message_id)), None)

    def search(self, recipient: str | None, status: str | None, limit: int) -> list[Delivery]:
        found = [d for d in self._where() if (recipient is None or d.recipient == recipient)
                 and (status is None or d.status == status)]
        return sorted(found, key=lambda d: (d.created_at, d.id), reverse=True)[:limit]


class FakeInbox(_Store):
    kind = Notification

    def by_key(self, idempotency_key: str) -> Notification | None:
        return next(iter(self._where(idempotency_key=idempotency_key)), None)

    def page(self, user_id: str, page: int, page_size: int) -> tuple[list[Notification], int]:
        mine = sorted(self._where(user_id=user_id), key=lambda n: (n.created_at, n.id),
                      reverse=True)
        return mine[(page - 1) * page_size: page * page_size], len(mine)

    def unread(self, user_id: str) -> int:
        return sum(1 for n in self._where(user_id=user_id) if n.read_at is None)

    def read_all(self, user_id: str, now: datetime) -> int:
        unread = [n for n in self._where(user_id=user_id) if n.read_at is None]
        for notification in unread:
            notification.read(now)
        return len(unread)


class FakeSuppressions(_Store):
    kind = Suppression

    def get(self, item_id: str) -> Any:
        return super().get(item_id.lower())  # addresses are kept lower case

    def add(self, item: Any) -> bool:
        if item.id in self._all():
            return False
        super().add(item)
        return True


class FakePreferencesStore(_Store):
    kind = Preferences

    def save(self, preferences: Preferences) -> None:
        self.add(preferences)


class FakeMessagingUnitOfWork(FakeUnitOfWorkBase):
    repositories: ClassVar[Mapping[str, Callable[[Any], Any]]] = {
        "deliveries": FakeDeliveryLog,
        "inbox": FakeInbox,
        "suppressions": FakeSuppressions,
        "preferences": FakePreferencesStore,
        "audit": FakeAuditLog,
    }
    tables: ClassVar[Mapping[type[Any], str]] = {
        Delivery: "deliveries", Notification: "notifications", Suppression: "suppressions",
        Preferences: "preferences"}


# --- real-time channels ----------------------------------------------------------------------


@dataclass(frozen=True)
class PublishedEvent:
    channels: tuple[str, ...]
    event: str
    data: dict[str, Any]  # as a subscriber decodes it


class FakeRealtimePublisher:
    """Keeps every event it publishes (after the same checks as Pusher), and signs
    authorizations as Pusher does, with its own test key and secret: ``verify`` checks one."""

    provider = "fake"
    KEY, SECRET = "fake-key", "fake-secret"

    def __init__(self, key: str = KEY, secret: str = SECRET) -> None:
        self.key, self.secret = key, secret
        self.published: list[PublishedEvent] = []
        self.failures: list[Exception] = []  # raised, one per publish, after the checks

    def publish(self, channels: Sequence[str], event: str, data: Mapping[str, Any]) -> None:
        text = encode_event(channels, event, data)
        if self.failures:
            raise self.failures.pop(0)
        self.published.append(PublishedEvent(tuple(channels), event, json.loads(text)))

    def events(self, channel: str | None = None) -> list[PublishedEvent]:
        return [e for e in self.published if channel is None or channel in e.channels]

    def authorize(self, socket_id: str, channel: str,
                  member: Mapping[str, Any] | None = None) -> dict[str, str]:
        if not SOCKET_ID.match(socket_id):
            raise ValueError("socket_id must be two numbers joined by a dot")
        problem = channel_name_problem(channel)
        if problem is not None:
            raise ValueError(problem)
        presence = channel.startswith(PRESENCE)
        if presence and not (member and member.get("user_id")):
            raise ValueError("a presence channel needs the member's user_id")
        channel_data = json.dumps(dict(member)) if presence and member else None
        answer = {"auth": f"{self.key}:{self._sign(socket_id, channel, channel_data)}"}
        if channel_data is not None:
            answer["channel_data"] = channel_data
        return answer

    def verify(self, socket_id: str, channel: str, answer: Mapping[str, str]) -> bool:
        """Whether ``answer`` is this publisher's signature for the socket and channel."""
        key, _, signature = answer.get("auth", "").partition(":")
        expected = self._sign(socket_id, channel, answer.get("channel_data"))
        return key == self.key and hmac.compare_digest(signature, expected)

    def _sign(self, socket_id: str, channel: str, channel_data: str | None) -> str:
        signed = f"{socket_id}:{channel}" + (f":{channel_data}" if channel_data else "")
        return hmac.new(self.secret.encode(), signed.encode(), hashlib.sha256).hexdigest()
