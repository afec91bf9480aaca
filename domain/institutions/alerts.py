"""Alerts about institutions the platform's admins must see: raised by an institution's
portal (a signed request) or by eduport itself, acknowledged once by an admin."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from domain.institutions.events import AlertRaised
from domain.shared.errors import InvalidValue
from domain.shared.model import Aggregate

MAX_MESSAGE = 500


class AlertSeverity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class AlertSource(StrEnum):
    PORTAL = "portal"  # the institution's portal raised it
    PLATFORM = "platform"  # eduport raised it (a quota, a payment)


def check_kind(kind: str) -> str:
    cleaned = kind.strip().lower()
    if not (1 <= len(cleaned) <= 40 and cleaned.replace("_", "").isalnum() and cleaned.isascii()):
        raise InvalidValue("an alert's type is 1 to 40 letters, digits or _", "type")
    return cleaned


@dataclass(eq=False)
class Alert(Aggregate):
    id: str
    institution_id: str
    kind: str  # storage_exceeded, storage_quota, payment_failed...
    severity: AlertSeverity
    message: str
    source: AlertSource
    raised_at: datetime
    reference: str  # what raised it, once (the portal's webhook-id): a repeat raises none
    acknowledged_at: datetime | None = None
    acknowledged_by: str | None = None
    version: int = field(default=1)

    @classmethod
    def raise_(cls, alert_id: str, institution_id: str, kind: str, severity: AlertSeverity,
               message: str, source: AlertSource, reference: str, now: datetime) -> Alert:
        text = " ".join(message.split())
        if not 1 <= len(text) <= MAX_MESSAGE:
            raise InvalidValue(f"an alert's message is 1 to {MAX_MESSAGE} characters",
                               "message")
        alert = cls(alert_id, institution_id, check_kind(kind), severity, text, source, now,
                    reference)
        alert.events.append(AlertRaised(alert_id, institution_id))
        return alert

    @property
    def acknowledged(self) -> bool:
        return self.acknowledged_at is not None

    def acknowledge(self, admin_id: str, now: datetime) -> None:
        """Acknowledging twice keeps the first (who, when)."""
        if self.acknowledged:
            return
        self.acknowledged_at, self.acknowledged_by = now, admin_id
        self.version += 1
