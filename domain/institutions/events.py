"""What happened to institutions: created, changed, deactivated."""

from __future__ import annotations

from dataclasses import dataclass

from domain.shared.events import Event


@dataclass(frozen=True)
class InstitutionEvent(Event):
    """What every institution's event says: which, and who did it (None: eduport)."""

    institution_id: str
    actor_id: str | None


@dataclass(frozen=True)
class InstitutionCreated(InstitutionEvent):
    pass


@dataclass(frozen=True)
class InstitutionUpdated(InstitutionEvent):
    changed: dict[str, list[object]]  # field: [old, new]


@dataclass(frozen=True)
class InstitutionDeactivated(InstitutionEvent):
    pass


@dataclass(frozen=True)
class StorageQuotaExceeded(Event):
    """The institution's storage in use crossed the warning share of its quota."""

    institution_id: str
    percent: int  # of the quota in use, rounded down
    used_bytes: int
    quota_bytes: int


@dataclass(frozen=True)
class AlertRaised(Event):
    alert_id: str
    institution_id: str


@dataclass(frozen=True)
class BroadcastDue(Event):
    """A broadcast's delivery to one institution is to be made (and its admins told)."""

    broadcast_id: str
    delivery_id: str


@dataclass(frozen=True)
class SubscriptionStatusChanged(Event):
    subscription_id: str
    institution_id: str
    before: str  # SubscriptionStatus values
    after: str


@dataclass(frozen=True)
class InvoiceGenerated(Event):
    invoice_id: str
    institution_id: str


@dataclass(frozen=True)
class InvoicePaid(Event):
    invoice_id: str
    institution_id: str


@dataclass(frozen=True)
class InvoicePaymentFailed(Event):
    invoice_id: str
    institution_id: str
    attempt: str  # the provider's event that said so


@dataclass(frozen=True)
class InvoiceOverdue(Event):
    """A step of the reminder ladder is due for an unpaid invoice."""

    invoice_id: str
    institution_id: str
    days_past_due: int
