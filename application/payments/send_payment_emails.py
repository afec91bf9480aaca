"""Event handlers that email students about their money; each sends under the outbox key."""

from __future__ import annotations

from application.messaging.ports import EmailMessage, Mailer
from application.payments.ports import PaymentsUnitOfWork
from application.shared.config import Links
from domain.shared.events import Event
from domain.shared.money import Money


class _PaymentMail:
    def __init__(self, uow: PaymentsUnitOfWork, mailer: Mailer, links: Links) -> None:
        self.uow, self.mailer, self.links = uow, mailer, links

    def _facts(self, event: Event) -> tuple[str, str, list[str], Money, Money] | None:
        """(email, name, course titles, amount charged, amount refunded) of the payment."""
        with self.uow:
            payment = self.uow.payments.get(str(event.payload()["payment_id"]))
            if payment is None:
                return None
            order = self.uow.orders.get(payment.order_id)
            student = self.uow.accounts.contact(payment.student_id)
            if order is None or student is None:
                return None
            refunded = Money(payment.refunded_minor, payment.amount.currency)
            return (student.email, student.full_name, [line.title for line in order.lines],
                    payment.amount, refunded)


def _money(amount: Money) -> str:
    return f"{amount.to_decimal_string()} {amount.currency}"


class SendPaymentReceipt(_PaymentMail):
    def __call__(self, event: Event, idempotency_key: str) -> None:
        facts = self._facts(event)
        if facts is None:
            return
        email, name, titles, amount, _ = facts
        courses = "\n".join(f"  - {title}" for title in titles)
        self.mailer.send(EmailMessage(
            to=email, subject="Your receipt from eduport",
            text=f"Hello {name},\n\nwe received {_money(amount)} for:\n{courses}\n\n"
                 f"Your courses are ready at {self.links.to('me/enrollments')}\n"
                 f"Payment reference: {event.payload()['payment_id']}\n",
            tags=("receipt",)), idempotency_key)


class SendRefundNotice(_PaymentMail):
    def __call__(self, event: Event, idempotency_key: str) -> None:
        facts = self._facts(event)
        if facts is None:
            return
        email, name, titles, _, refunded = facts
        access = ("You no longer have access to these courses." if event.payload()["full"]
                  else "You keep access to your courses.")
        self.mailer.send(EmailMessage(
            to=email, subject="Your refund from eduport",
            text=f"Hello {name},\n\n{_money(refunded)} has been refunded for: "
                 f"{', '.join(titles)}.\n{access}\n",
            tags=("refund",)), idempotency_key)
