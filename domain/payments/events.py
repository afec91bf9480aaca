"""What happened to payments."""

from __future__ import annotations

from dataclasses import dataclass

from domain.shared.events import Event


@dataclass(frozen=True)
class PaymentSucceeded(Event):
    payment_id: str
    order_id: str
    student_id: str


@dataclass(frozen=True)
class PaymentFailed(Event):
    payment_id: str
    student_id: str
    reason: str


@dataclass(frozen=True)
class PaymentRefunded(Event):
    payment_id: str
    order_id: str
    student_id: str
    refunded_minor: int
    full: bool


@dataclass(frozen=True)
class DisputeOpened(Event):
    payment_id: str
    order_id: str
    student_id: str


@dataclass(frozen=True)
class DisputeClosed(Event):
    payment_id: str
    order_id: str
    student_id: str
    won: bool
