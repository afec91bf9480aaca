"""Fakes of the messaging area: a mailer that keeps what it was given, and messaging's
records."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, ClassVar

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
