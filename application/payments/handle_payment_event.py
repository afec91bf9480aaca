"""What a payment provider's webhook event does to our payments."""

from __future__ import annotations

from dataclasses import dataclass

from application.payments.confirm_payment import ConfirmPayment, ConfirmPaymentCommand
from application.payments.ports import NoticeKind, PaymentNotice, PaymentsUnitOfWork
from application.payments.settlement import Settlement, lock_payment
from domain.payments.model import Payment


@dataclass(frozen=True)
class PaymentEventCommand:
    provider: str
    notice: PaymentNotice


class HandlePaymentEvent:
    """Acts on one provider event. Payment and refund events only trigger a re-fetch of the
    payment from the provider, so order and repetition of events do not matter."""

    def __init__(self, uow: PaymentsUnitOfWork, confirm: ConfirmPayment,
                 settlement: Settlement) -> None:
        self.uow, self.confirm, self.settlement = uow, confirm, settlement

    def __call__(self, cmd: PaymentEventCommand) -> str:
        notice = cmd.notice
        if notice.kind == NoticeKind.IGNORE:
            return "ignored: not an event eduport acts on"
        with self.uow:
            payment = self._find(cmd.provider, notice)
            if payment is None:
                return "acknowledged: the payment is not one of ours"
            if notice.kind in (NoticeKind.DISPUTE_OPENED, NoticeKind.DISPUTE_CLOSED):
                outcome = self.settlement.dispute(self.uow, lock_payment(self.uow, payment.id),
                                                  notice.kind == NoticeKind.DISPUTE_OPENED,
                                                  bool(notice.dispute_won))
                self.uow.commit()
                return outcome
            if payment.provider_reference is None and notice.reference and \
                    notice.kind == NoticeKind.PAYMENT:
                # The create call timed out after the provider made the object: adopt it.
                lock_payment(self.uow, payment.id).provider_reference = notice.reference
                self.uow.commit()
        return self.confirm(ConfirmPaymentCommand(payment.id, actor=None, capture=False)).status

    def _find(self, provider: str, notice: PaymentNotice) -> Payment | None:
        payment = self.uow.payments.get(notice.payment_id) if notice.payment_id else None
        if (payment is None or payment.provider != provider) and notice.reference:
            payment = self.uow.payments.by_reference(provider, notice.reference)
        return payment if payment is not None and payment.provider == provider else None

