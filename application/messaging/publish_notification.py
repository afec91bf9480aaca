"""Tells a person's open pages that a notification arrived in their inbox, on their own
private channel; clients without a channel poll the inbox instead."""

from __future__ import annotations

from application.messaging.published import RealtimePublisher, user_channel
from domain.messaging.events import NotificationCreated
from domain.shared.events import Event

EVENT = "notification.created"


class PublishNotification:
    """The handler of ``NotificationCreated``, run from the outbox after the commit. Only the
    id and kind are sent (the client reads the rest from the inbox); a failure of the
    channel service (``DeliveryFailed``) is left to the outbox to retry."""

    def __init__(self, publisher: RealtimePublisher) -> None:
        self.publisher = publisher

    def __call__(self, event: Event, idempotency_key: str) -> None:
        if not isinstance(event, NotificationCreated):
            raise TypeError(f"PublishNotification handles NotificationCreated, not {event.name}")
        self.publisher.publish([user_channel(event.user_id)], EVENT,
                               {"id": event.notification_id, "kind": event.kind})
