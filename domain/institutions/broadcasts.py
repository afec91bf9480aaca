"""Broadcasts from the platform to every active institution (a maintenance window, say):
one delivery per institution to the endpoint it registered, each with its own status."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from domain.institutions.alerts import check_kind
from domain.shared.errors import InvalidValue
from domain.shared.model import Aggregate


class DeliveryStatus(StrEnum):
    PENDING = "pending"  # not sent yet, or failed and waiting for its retry
    DELIVERED = "delivered"
    FAILED = "failed"  # every retry spent
    NO_ENDPOINT = "no_endpoint"  # the institution registered none: its admins are emailed


def _text(value: str, name: str, limit: int) -> str:
    cleaned = value.strip()
    if not 1 <= len(cleaned) <= limit:
        raise InvalidValue(f"a broadcast's {name} is 1 to {limit} characters", name)
    return cleaned


@dataclass(frozen=True)
class Broadcast:
    id: str
    kind: str  # maintenance, announcement...
    title: str
    message: str
    scheduled_at: datetime | None  # when what it announces happens
    created_at: datetime
    created_by: str | None

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", check_kind(self.kind))
        object.__setattr__(self, "title", _text(self.title, "title", 200))
        object.__setattr__(self, "message", _text(self.message, "message", 2_000))


@dataclass(eq=False)
class BroadcastDelivery(Aggregate):
    id: str
    broadcast_id: str
    institution_id: str
    endpoint: str | None
    status: DeliveryStatus
    updated_at: datetime
    attempts: int = 0
    last_error: str | None = None
    delivered_at: datetime | None = None
    version: int = field(default=1)

    @classmethod
    def due(cls, delivery_id: str, broadcast_id: str, institution_id: str,
            endpoint: str | None, now: datetime) -> BroadcastDelivery:
        status = DeliveryStatus.PENDING if endpoint else DeliveryStatus.NO_ENDPOINT
        return cls(delivery_id, broadcast_id, institution_id, endpoint, status, now)

    @property
    def is_done(self) -> bool:
        return self.status != DeliveryStatus.PENDING

    def delivered(self, now: datetime) -> None:
        self.attempts += 1
        self.status, self.delivered_at, self.updated_at = DeliveryStatus.DELIVERED, now, now
        self.last_error = None
        self.version += 1

    def failed(self, reason: str, now: datetime, attempts_allowed: int) -> bool:
        """Records a failed attempt: True while a retry is left, else the delivery fails."""
        self.attempts += 1
        self.last_error, self.updated_at = reason[:300], now
        if self.attempts >= attempts_allowed:
            self.status = DeliveryStatus.FAILED
        self.version += 1
        return self.status == DeliveryStatus.PENDING
