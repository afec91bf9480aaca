"""What happened in messaging."""

from __future__ import annotations

from dataclasses import dataclass

from domain.shared.events import Event


@dataclass(frozen=True)
class NotificationCreated(Event):
    notification_id: str
    user_id: str
    kind: str
