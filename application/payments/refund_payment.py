from __future__ import annotations

import logging
from dataclasses import dataclass

from application.payments.confirm_payment import ConfirmPayment, ConfirmPaymentCommand
from application.payments.errors import GatewayDeclined
from application.payments.ports import PaymentsUnitOfWork, RefundRecord, RefundStatus
from application.payments.providers import PaymentGateways
from application.shared.audit import Auditor
from application.shared.errors import DeliveryFailed
from application.shared.ports import Clock, IdGenerator, Principal
from domain.payments.model import PaymentStatus
from domain.shared.errors import InvalidState, InvalidValue, NotFound, PermissionDenied
from domain.shared.money import Money
from domain.shared.roles import Role

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RefundPaymentCommand:
    actor: Principal
    payment_id: str
    amount_minor: int | None = None  # None: everything still refundable
    reason: str | None = None


@dataclass(frozen=True)
class RefundPaymentResult:
    refund_id: str
    payment_id: str
    amount: Money
    status: str


class RefundPayment:
    """A platform admin refunds all or part of a payment. The provider call is keyed by our
    refund id. When the provider answers with a final success, the payment and the
    student's access are settled at once, the way its refund event would (re-fetched from
    the provider, so the event arriving later changes nothing); otherwise the event does."""

    def __init__(self, uow: PaymentsUnitOfWork, gateways: PaymentGateways, clock: Clock,
                 ids: IdGenerator, auditor: Auditor, confirm: ConfirmPayment) -> None:
        self.uow, self.gateways, self.clock, self.ids = uow, gateways, clock, ids
        self.auditor, self.confirm = auditor, confirm

    def __call__(self, cmd: RefundPaymentCommand) -> RefundPaymentResult:
        if cmd.actor.role != Role.PLATFORM_ADMIN:
            raise PermissionDenied("only platform admins refund payments")
        with self.uow:
            # Locked: refunds of one payment queue, so each sees those before it.
            payment = self.uow.payments.get(cmd.payment_id, for_update=True)
            if payment is None:
                raise NotFound("no such payment")
            if payment.status not in (PaymentStatus.SUCCEEDED, PaymentStatus.PARTIALLY_REFUNDED):
                raise InvalidState(f"a {payment.status.value} payment cannot be refunded")
            amount = _amount(cmd, payment.refundable, self.uow.refunds.for_payment(payment.id))
            refund = RefundRecord(self.ids.new_id(), payment.id, amount, RefundStatus.REQUESTED,
                                  cmd.actor.user_id, self.clock.now(), cmd.reason)
            self.uow.refunds.add(refund)
            self.auditor.record(self.uow, cmd.actor.user_id, "payment.refund_requested",
                                "payment", payment.id, amount_minor=amount.amount_minor)
            self.uow.commit()
        if payment.provider_reference is None:
            raise InvalidState("the payment has no provider reference to refund")
        try:
            receipt = self.gateways.get(payment.provider).refund(
                payment.provider_reference, payment.id, amount, f"refund:{refund.id}")
        except GatewayDeclined:
            # Refused for good: the refund is over, and its amount free again. (A provider
            # that is unavailable leaves it requested: the sweeper sends it again.)
            with self.uow:
                self.uow.refunds.update(refund.id, RefundStatus.FAILED, None)
                self.uow.commit()
            raise
        if receipt.status == RefundStatus.SUCCEEDED:
            # Settled first, while the refund still counts as in flight: at no moment does
            # the money look free to another refund (it counts twice for a moment instead).
            self._settle(payment.id)
        with self.uow:
            self.uow.refunds.update(refund.id, receipt.status, receipt.reference)
            self.uow.commit()
        return RefundPaymentResult(refund.id, payment.id, amount, receipt.status)

    def _settle(self, payment_id: str) -> None:
        try:
            self.confirm(ConfirmPaymentCommand(payment_id, actor=None, capture=False))
        except DeliveryFailed:
            # The refund is made; its event (or the next look at the payment) settles it.
            log.warning("refund of payment %s made; settling it waits for the provider's "
                        "event", payment_id)


def _amount(cmd: RefundPaymentCommand, refundable: Money, refunds: list[RefundRecord]) -> Money:
    """What this refund is for; refunds asked for but not settled yet count as spent."""
    in_flight = sum(r.amount.amount_minor for r in refunds
                    if r.status in (RefundStatus.REQUESTED, RefundStatus.PENDING))
    available = refundable.amount_minor - in_flight
    wanted = available if cmd.amount_minor is None else cmd.amount_minor
    if not 0 < wanted <= available:
        left = Money(max(available, 0), refundable.currency)
        raise InvalidValue(f"at most {left.to_decimal_string()} {left.currency} is left to "
                           "refund")
    return Money(wanted, refundable.currency)
