"""Event handlers that tell students about their money, through messaging; each notice goes
under the outbox row's key."""

from __future__ import annotations

from typing import Any

from application.messaging.published import Notice, Notifier, Recipient
from application.payments.ports import PaymentsUnitOfWork
from application.shared.config import Links
from domain.shared.events import Event
from domain.shared.money import Money


class _PaymentNotice:
    kind = ""

    def __init__(self, uow: PaymentsUnitOfWork, notifier: Notifier, links: Links) -> None:
        self.uow, self.notifier, self.links = uow, notifier, links

    def __call__(self, event: Event, idempotency_key: str) -> None:
        payment_id = str(event.payload()["payment_id"])
        with self.uow:
            payment = self.uow.payments.get(payment_id)
            order = self.uow.orders.get(payment.order_id) if payment else None
            student = self.uow.accounts.contact(payment.student_id) if payment else None
        if payment is None or order is None or student is None:
            return
        context = {"courses": [line.title for line in order.lines], "payment_id": payment_id,
                   "amount": payment.amount, "link": self.links.to("me/enrollments"),
                   "refunded": Money(payment.refunded_minor, payment.amount.currency),
                   **self.details(event)}
        self.notifier.notify(Notice(
            Recipient(student.user_id, student.email, student.full_name, student.locale),
            self.kind, idempotency_key, context=context, data={"payment_id": payment_id}))

    def details(self, event: Event) -> dict[str, Any]:
        return {}


class SendPaymentReceipt(_PaymentNotice):
    kind = "receipt"


class SendRefundNotice(_PaymentNotice):
    kind = "refund"

    def details(self, event: Event) -> dict[str, Any]:
        return {"full": bool(event.payload()["full"])}
