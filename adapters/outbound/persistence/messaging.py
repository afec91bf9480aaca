"""Messaging in the database: the delivery log, the in-app inbox, suppressed addresses and
preferences; their mapping and repositories, and messaging's unit of work."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, Column, Index, Integer, String, Table, Text, func, select, update
from sqlalchemy.orm import Session, registry

from adapters.outbound.persistence.schema import ID, EnumText, metadata, utc
from adapters.outbound.persistence.shared import Tracker
from adapters.outbound.persistence.unit_of_work import SqlUnitOfWork, audit_log
from domain.messaging.model import (
    Delivery,
    DeliveryStatus,
    MessageKind,
    Notification,
    Preferences,
    Suppression,
    SuppressionReason,
)

message_deliveries = Table(
    "message_deliveries",
    metadata,
    Column("id", ID, primary_key=True),
    Column("idempotency_key", String(200), nullable=False, unique=True),
    Column("kind", EnumText(MessageKind), nullable=False),
    Column("recipient", String(254), nullable=False, index=True),
    Column("locale", String(8), nullable=False),
    Column("user_id", ID),
    Column("status", EnumText(DeliveryStatus), nullable=False),
    Column("provider", String(32)),
    Column("provider_message_id", String(255)),
    Column("attempts", Integer, nullable=False),
    Column("last_error", Text),
    Column("created_at", utc(), nullable=False, index=True),
    Column("updated_at", utc(), nullable=False),
    Index("ix_message_deliveries_provider_message", "provider", "provider_message_id"),
)

notifications = Table(
    "notifications",
    metadata,
    Column("id", ID, primary_key=True),
    Column("idempotency_key", String(200), nullable=False, unique=True),
    Column("user_id", ID, nullable=False),
    Column("kind", EnumText(MessageKind), nullable=False),
    Column("text", String(500), nullable=False),
    Column("data", JSON, nullable=False),
    Column("created_at", utc(), nullable=False),
    Column("read_at", utc()),
    Index("ix_notifications_user_created", "user_id", "created_at"),
)

suppressions = Table(
    "suppressions",
    metadata,
    Column("id", String(254), primary_key=True),  # the address, lower case
    Column("reason", EnumText(SuppressionReason), nullable=False),
    Column("provider", String(32), nullable=False),
    Column("created_at", utc(), nullable=False),
)

notification_preferences = Table(
    "notification_preferences",
    metadata,
    Column("id", ID, primary_key=True),  # the user's id
    Column("email_off", JSON, nullable=False),
)


def map_messaging(mapper: registry) -> None:
    mapper.map_imperatively(Delivery, message_deliveries)
    mapper.map_imperatively(Notification, notifications)
    mapper.map_imperatively(Suppression, suppressions)
    mapper.map_imperatively(Preferences, notification_preferences)


class _Repository:
    def __init__(self, session: Session, tracker: Tracker) -> None:
        self.session, self.tracker = session, tracker

    def _tracked(self, found: Any) -> Any:
        self.tracker.track(found)
        return found


class SqlDeliveryLog(_Repository):
    def add(self, delivery: Delivery) -> None:
        self.session.add(delivery)
        self.tracker.track(delivery)

    def get(self, delivery_id: str) -> Delivery | None:
        return self._tracked(self.session.get(Delivery, delivery_id))

    def by_key(self, idempotency_key: str) -> Delivery | None:
        return self._tracked(self.session.scalars(select(Delivery).where(
            message_deliveries.c.idempotency_key == idempotency_key)).first())

    def by_provider_id(self, provider: str, message_id: str) -> Delivery | None:
        return self._tracked(self.session.scalars(select(Delivery).where(
            message_deliveries.c.provider == provider,
            message_deliveries.c.provider_message_id == message_id)).first())

    def search(self, recipient: str | None, status: str | None, limit: int) -> list[Delivery]:
        query = select(Delivery).order_by(message_deliveries.c.created_at.desc(),
                                          message_deliveries.c.id)
        if recipient:
            query = query.where(message_deliveries.c.recipient == recipient.lower())
        if status:
            query = query.where(message_deliveries.c.status == status)
        return list(self.session.scalars(query.limit(limit)))


class SqlInbox(_Repository):
    def add(self, notification: Notification) -> None:
        self.session.add(notification)
        self.tracker.track(notification)

    def by_key(self, idempotency_key: str) -> Notification | None:
        return self._tracked(self.session.scalars(select(Notification).where(
            notifications.c.idempotency_key == idempotency_key)).first())

    def get(self, notification_id: str) -> Notification | None:
        return self._tracked(self.session.get(Notification, notification_id))

    def page(self, user_id: str, page: int, page_size: int) -> tuple[list[Notification], int]:
        mine = notifications.c.user_id == user_id
        total = self.session.execute(select(func.count()).where(mine)).scalar_one()
        found = self.session.scalars(
            select(Notification).where(mine)
            .order_by(notifications.c.created_at.desc(), notifications.c.id.desc())
            .offset((page - 1) * page_size).limit(page_size))
        return list(found), int(total)

    def unread(self, user_id: str) -> int:
        return int(self.session.execute(select(func.count()).where(
            notifications.c.user_id == user_id, notifications.c.read_at.is_(None))).scalar_one())

    def read_all(self, user_id: str, now: datetime) -> int:
        done = self.session.execute(update(notifications).where(
            notifications.c.user_id == user_id, notifications.c.read_at.is_(None))
            .values(read_at=now))
        return int(done.rowcount)  # type: ignore[attr-defined]


class SqlSuppressions(_Repository):
    def add(self, suppression: Suppression) -> bool:
        if self.session.get(Suppression, suppression.id) is not None:
            return False
        self.session.add(suppression)
        return True

    def get(self, address: str) -> Suppression | None:
        found: Suppression | None = self.session.get(Suppression, address.lower())
        return found


class SqlPreferencesStore(_Repository):
    def get(self, user_id: str) -> Preferences | None:
        return self._tracked(self.session.get(Preferences, user_id))

    def save(self, preferences: Preferences) -> None:
        self.session.merge(preferences)


class SqlMessagingUnitOfWork(SqlUnitOfWork):
    repositories: ClassVar[Mapping[str, Callable[[SqlUnitOfWork], Any]]] = {
        "deliveries": lambda uow: SqlDeliveryLog(uow.session, uow.tracker),
        "inbox": lambda uow: SqlInbox(uow.session, uow.tracker),
        "suppressions": lambda uow: SqlSuppressions(uow.session, uow.tracker),
        "preferences": lambda uow: SqlPreferencesStore(uow.session, uow.tracker),
        "audit": audit_log,
    }
