from __future__ import annotations

from dataclasses import dataclass

from application.config import PaymentPolicy
from application.ports import Clock, PaymentNotice, UnitOfWork, WebhookEvent
from application.providers import WebhookEndpoints
from application.settlement import Settlement
from application.use_cases.confirm_payment import ConfirmPayment, ConfirmPaymentCommand


@dataclass(frozen=True)
class ProcessWebhookEventResult:
    outcome: str
    skipped: bool = False


class ProcessWebhookEvent:
    """Acts on a stored delivery once. Payment and refund events only trigger a re-fetch of
    the payment from the provider, so order and repetition of events do not matter."""

    def __init__(self, uow: UnitOfWork, endpoints: WebhookEndpoints, clock: Clock,
                 confirm: ConfirmPayment, settlement: Settlement, policy: PaymentPolicy) -> None:
        self.uow, self.endpoints, self.clock = uow, endpoints, clock
        self.confirm, self.settlement, self.policy = confirm, settlement, policy

    def __call__(self, delivery_id: str) -> ProcessWebhookEventResult:
        with self.uow:
            delivery = self.uow.webhooks.claim(delivery_id, self.clock.now(),
                                               self.policy.webhook_lease)
            self.uow.commit()
        if delivery is None:
            return ProcessWebhookEventResult("already processed or in progress", skipped=True)
        event = WebhookEvent(delivery.provider, delivery.event_id, delivery.event_type,
                             delivery.payload)
        try:
            outcome = self._act(delivery.provider,
                                self.endpoints.interpreter(delivery.provider).interpret(event))
        except Exception as error:
            with self.uow:
                self.uow.webhooks.release(delivery_id, f"{type(error).__name__}: {error}")
                self.uow.commit()
            raise
        with self.uow:
            self.uow.webhooks.mark_processed(delivery_id, self.clock.now(), outcome)
            self.uow.commit()
        return ProcessWebhookEventResult(outcome)

    def _act(self, provider: str, notice: PaymentNotice) -> str:
        if notice.kind == "ignore":
            return "ignored: not an event eduport acts on"
        with self.uow:
            payment = (self.uow.payments.get(notice.payment_id) if notice.payment_id else None)
            if (payment is None or payment.provider != provider) and notice.reference:
                payment = self.uow.payments.by_reference(provider, notice.reference)
            if payment is None or payment.provider != provider:
                return "acknowledged: the payment is not one of ours"
            if notice.kind in ("dispute_opened", "dispute_closed"):
                locked = self.uow.payments.get(payment.id, for_update=True)
                assert locked is not None
                outcome = self.settlement.dispute(self.uow, locked,
                                                  notice.kind == "dispute_opened",
                                                  bool(notice.dispute_won))
                self.uow.commit()
                return outcome
            if payment.provider_reference is None and notice.reference and \
                    notice.kind == "payment":
                # The create call timed out after the provider made the object: adopt it.
                locked = self.uow.payments.get(payment.id, for_update=True)
                assert locked is not None
                locked.provider_reference = notice.reference
                self.uow.commit()
        view = self.confirm(ConfirmPaymentCommand(payment.id, actor=None, capture=False))
        return view.status
