"""What use cases return about a payment: a plain result, never the entity itself."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from domain.payments.model import ExchangeRate, Payment, PaymentStatus
from domain.shared.money import Money


@dataclass(frozen=True)
class PaymentView:
    payment_id: str
    order_id: str
    student_id: str
    provider: str
    flow: str
    status: str
    amount: Money
    order_total: Money
    refunded: Money
    client_secret: str | None
    redirect_url: str | None
    expires_at: datetime | None
    exchange_rate: ExchangeRate | None
    failure_reason: str | None
    next_action: dict[str, Any] | None = None


def view_of(payment: Payment, next_action: dict[str, Any] | None = None) -> PaymentView:
    rate = None
    if payment.rate is not None and payment.rate_fetched_at is not None:
        rate = ExchangeRate(payment.order_total.currency, payment.amount.currency, payment.rate,
                            payment.rate_source or "", payment.rate_fetched_at)
    return PaymentView(
        payment.id, payment.order_id, payment.student_id, payment.provider, payment.flow,
        payment.status.value, payment.amount, payment.order_total,
        Money(payment.refunded_minor, payment.amount.currency),
        payment.client_secret if payment.is_open else None,
        payment.redirect_url if payment.is_open else None, payment.expires_at, rate,
        payment.failure_reason,
            next_action if payment.status == PaymentStatus.REQUIRES_ACTION else None)
