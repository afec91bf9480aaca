from __future__ import annotations

from dataclasses import dataclass

from application.payments.payment_views import PaymentView, view_of
from application.payments.ports import PaymentsUnitOfWork
from application.payments.providers import PaymentGateways
from application.payments.settlement import Settlement, lock_payment
from application.shared.ports import Principal
from domain.shared.errors import InvalidState, NotFound
from domain.shared.roles import Role


@dataclass(frozen=True)
class ConfirmPaymentCommand:
    payment_id: str
    actor: Principal | None = None  # None: the platform itself (webhooks, sweepers)
    capture: bool = True  # False: only look (webhooks); True: also finish it (PayPal capture)


class ConfirmPayment:
    """Asks the provider for the payment's real state (never trusting a client or an event
    body) and settles it in one transaction: payment, enrollments, statistics, audit."""

    def __init__(self, uow: PaymentsUnitOfWork, gateways: PaymentGateways,
                 settlement: Settlement) -> None:
        self.uow, self.gateways, self.settlement = uow, gateways, settlement

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
        return view_of(locked, state.next_action)


def _may_see(actor: Principal | None, student_id: str) -> bool:
    return actor is None or actor.user_id == student_id or actor.role == Role.PLATFORM_ADMIN
