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


@dataclass(frozen=True)
class CreditPackPurchased(Event):
    """A payment for a credit pack settled: the student is owed ``credits_minor``."""

    payment_id: str
    student_id: str
    pack_id: str
    credits_minor: int
    currency: str


@dataclass(frozen=True)
class CreditPackRefunded(Event):
    """Money paid for a credit pack went back, by a refund or a lost dispute
    (``chargeback``): ``credits_minor`` of the ``granted_minor`` the pack granted are taken
    back by this step, ``taken_back_minor`` in all once it is done. The running total names
    the step, so each counts once however often it is told; ``granted_minor`` lets the
    credits be granted first should this be handled before the purchase."""

    payment_id: str
    student_id: str
    pack_id: str
    currency: str
    granted_minor: int
    credits_minor: int
    taken_back_minor: int
    chargeback: bool
