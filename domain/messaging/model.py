"""Messaging: what eduport tells people (by email, in the app, in real time), and what it
keeps of it: the delivery log, the in-app inbox, suppressed addresses and preferences."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from domain.messaging.events import NotificationCreated
from domain.shared.errors import InvalidValue
from domain.shared.model import Aggregate


class MessageKind(StrEnum):
    """Every kind of message; each has a template pair and a catalogue entry. A new one is a
    member here plus its templates."""

    WELCOME = "welcome"
    VERIFY_EMAIL = "verify_email"
    PASSWORD_RESET = "password_reset"  # noqa: S105 (a kind of message, not a password)
    SIGN_UP_REPEATED = "sign_up_repeated"  # someone signed up with an address that has one
    RECEIPT = "receipt"
    REFUND = "refund"
    LIVE_SESSION_STARTED = "live_session_started"
    TEACHER_APPROVED = "teacher_approved"
    TEACHER_REJECTED = "teacher_rejected"
    DATA_EXPORT_READY = "data_export_ready"  # a person's copy of their data (ADR 22)
    NEW_JOB_APPLICATION = "new_job_application"  # to the company that posted the job
    APPLICATION_STATUS_UPDATED = "application_status_updated"  # to the applicant
    NEW_JOBS_DIGEST = "new_jobs_digest"  # a student's new-job alerts, once a day at most
    INSTITUTION_WELCOME = "institution_welcome"  # to a new institution's primary address
    PLATFORM_BROADCAST = "platform_broadcast"  # to institution admins (maintenance...)
    SUBSCRIPTION_STATUS_CHANGED = "subscription_status_changed"  # to institution admins
    INVOICE_GENERATED = "invoice_generated"  # to an institution's primary address
    INVOICE_PAYMENT_FAILED = "invoice_payment_failed"  # to an institution's primary address
    INVOICE_OVERDUE = "invoice_overdue"  # the dunning ladder's reminders, to an institution
    STORAGE_QUOTA_WARNING = "storage_quota_warning"  # to an institution's primary address

    @property
    def is_security(self) -> bool:
        """Security messages are always emailed: a preference cannot turn them off."""
        return self in (MessageKind.VERIFY_EMAIL, MessageKind.PASSWORD_RESET,
                        MessageKind.SIGN_UP_REPEATED)


class DeliveryStatus(StrEnum):
    QUEUED = "queued"
    SENT = "sent"
    DELIVERED = "delivered"
    DEFERRED = "deferred"
    BOUNCED = "bounced"
    COMPLAINED = "complained"
    FAILED = "failed"
    SUPPRESSED = "suppressed"


D = DeliveryStatus
# What the service says after we handed a message over; a final answer is not overwritten
# by an earlier one arriving late.
_FINAL = frozenset({D.BOUNCED, D.COMPLAINED, D.FAILED, D.SUPPRESSED})


@dataclass(eq=False)
class Delivery(Aggregate):
    """One email, as the delivery log keeps it (never its body)."""

    id: str
    idempotency_key: str
    kind: MessageKind
    recipient: str
    locale: str
    created_at: datetime
    updated_at: datetime
    user_id: str | None = None
    status: DeliveryStatus = DeliveryStatus.QUEUED
    provider: str | None = None
    provider_message_id: str | None = None
    attempts: int = 0
    last_error: str | None = None

    @property
    def is_done(self) -> bool:
        """Handed over, or refused for good: a retry does not send it again."""
        return self.status not in (D.QUEUED, D.DEFERRED)

    def sent(self, provider: str, message_id: str | None, now: datetime) -> None:
        self._attempt(D.SENT, None, now)
        self.provider, self.provider_message_id = provider, message_id

    def deferred(self, error: str, now: datetime) -> None:
        self._attempt(D.DEFERRED, error, now)

    def failed(self, error: str, now: datetime) -> None:
        self._attempt(D.FAILED, error, now)

    def suppressed(self, now: datetime) -> None:
        self.status, self.updated_at = D.SUPPRESSED, now

    def reported(self, status: DeliveryStatus, now: datetime, detail: str | None = None) -> bool:
        """What the mail service reported later (delivered, deferred, bounced, complained).
        True when the log changed."""
        if self.status in _FINAL or self.status == status:
            return False
        self.status, self.updated_at = status, now
        self.last_error = detail or self.last_error
        return True

    def _attempt(self, status: DeliveryStatus, error: str | None, now: datetime) -> None:
        self.status, self.last_error, self.updated_at = status, error, now
        self.attempts += 1


@dataclass(eq=False)
class Notification(Aggregate):
    """One entry of a person's in-app inbox: the kind, a one-line text and small fields
    (ids), never a link or token."""

    id: str
    idempotency_key: str
    user_id: str
    kind: MessageKind
    text: str
    created_at: datetime
    data: dict[str, Any] = field(default_factory=dict)
    read_at: datetime | None = None

    @classmethod
    def create(cls, id: str, key: str, user_id: str, kind: MessageKind, text: str,
               data: dict[str, Any], now: datetime) -> Notification:
        notification = cls(id, key, user_id, kind, text, now, data)
        notification.events.append(NotificationCreated(id, user_id, kind.value))
        return notification

    def read(self, now: datetime) -> bool:
        if self.read_at is not None:
            return False
        self.read_at = now
        return True


class SuppressionReason(StrEnum):
    BOUNCED = "bounced"
    COMPLAINED = "complained"


@dataclass(eq=False)
class Suppression(Aggregate):
    """An address no mail goes to any more: it bounced for good or its owner complained."""

    id: str  # the address, lower case
    reason: SuppressionReason
    provider: str
    created_at: datetime


@dataclass(eq=False)
class Preferences(Aggregate):
    """Per kind of message, whether it is also emailed (the in-app inbox always has it)."""

    id: str  # the user's id
    email_off: list[str] = field(default_factory=list)

    def emails(self, kind: MessageKind) -> bool:
        return kind.is_security or kind.value not in self.email_off

    def choose(self, kind: MessageKind, email: bool) -> None:
        if kind.is_security and not email:
            raise InvalidValue(f"{kind.value} messages are about your account's security and "
                               "are always emailed")
        off = set(self.email_off) - {kind.value}
        self.email_off = sorted(off | (set() if email else {kind.value}))
