from __future__ import annotations

import logging
from dataclasses import dataclass

from application.payments.payment_views import PaymentView, view_of
from application.payments.ports import PaymentsUnitOfWork
from application.payments.providers import PaymentGateways
from application.payments.settlement import Settlement, lock_payment
from application.shared.audit import Auditor
from application.shared.ports import Principal
from domain.payments.model import Payment, PaymentStatus
from domain.shared.errors import InvalidState, NotFound
from domain.shared.money import Money
from domain.shared.roles import Role

log = logging.getLogger(__name__)
# Replaced by a later attempt: money that arrives anyway bought nothing. (Late money on an
# expired attempt enrolls instead; see domain.payments.model.TRANSITIONS.)
CLOSED_UNPAID = frozenset({PaymentStatus.CANCELED})


@dataclass(frozen=True)
class ConfirmPaymentCommand:
    payment_id: str
    actor: Principal | None = None  # None: the platform itself (webhooks, sweepers)
    capture: bool = True  # False: only look (webhooks); True: also finish it (PayPal capture)


class ConfirmPayment:
    """Asks the provider for the payment's real state (never trusting a client or an event
    body) and settles it in one transaction: payment, enrollments, statistics, audit."""

    def __init__(self, uow: PaymentsUnitOfWork, gateways: PaymentGateways,
                 settlement: Settlement, auditor: Auditor) -> None:
        self.uow, self.gateways, self.settlement = uow, gateways, settlement
        self.auditor = auditor

    def __call__(self, cmd: ConfirmPaymentCommand) -> PaymentView:
        with self.uow:
            payment = self.uow.payments.get(cmd.payment_id)
            if payment is None or not _may_see(cmd.actor, payment.student_id):
                raise NotFound("no such payment")
            if payment.provider_reference is None:
                raise InvalidState("the payment was never opened at the provider; check out "
                                   "again")
        gateway = self.gateways.get(payment.provider)
        if cmd.capture and payment.is_open:
            state = gateway.complete(payment.provider_reference, f"payment:{payment.id}:complete")
        else:
            state = gateway.fetch(payment.provider_reference)
        with self.uow:
            locked = lock_payment(self.uow, payment.id)
            self.settlement.apply(self.uow, locked, state)
            self.uow.commit()
        if state.status == PaymentStatus.SUCCEEDED and state.received is not None and \
                locked.status in CLOSED_UNPAID:
            self._give_back(locked, state.received, state.refunded_minor)
        return view_of(locked, state.next_action)

    def _give_back(self, payment: Payment, received: Money, refunded_minor: int) -> None:
        """Money arrived on an attempt we had closed because a later checkout replaced it:
        nothing was sold for it, so all of it goes back, once (keyed by the payment), and
        the audit log says so."""
        if payment.provider_reference is None:
            return
        unrefunded = Money(received.amount_minor - refunded_minor, received.currency)
        if unrefunded.amount_minor <= 0:
            return
        receipt = self.gateways.get(payment.provider).refund(
            payment.provider_reference, payment.id, unrefunded,
            f"payment:{payment.id}:unwanted")
        with self.uow:
            self.auditor.record(self.uow, None, "payment.refunded_automatically", "payment",
                                payment.id, amount_minor=unrefunded.amount_minor,
                                status=payment.status.value, refund_status=receipt.status)
            self.uow.commit()
        log.warning("payment %s was paid after it was closed; refunded %s %s automatically",
                    payment.id, unrefunded.to_decimal_string(), unrefunded.currency)


def _may_see(actor: Principal | None, student_id: str) -> bool:
    return actor is None or actor.user_id == student_id or actor.role == Role.PLATFORM_ADMIN
