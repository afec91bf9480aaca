from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from application.payments.config import PaymentPolicy
from application.payments.confirm_payment import ConfirmPayment, ConfirmPaymentCommand
from application.payments.ports import PaymentsUnitOfWork, RefundStatus
from application.payments.providers import PaymentGateways
from application.shared.jobs import Job
from application.shared.ports import Clock
from domain.payments.model import OPEN, PaymentStatus
from domain.shared.errors import DomainError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SweepResult:
    checked: int
    expired: int
    settled: int
    refunds_reconciled: int = 0  # payments whose unsettled refunds were looked at again
    paid_rechecked: int = 0  # paid payments compared with the provider (drift)


class SweepPayments:
    """Runs on the cron schedule. Open payments past their expiry are asked for their live
    state first (paid means settle, not expire), then closed at the provider and expired;
    open payments untouched for hours are reconciled, so "paid but not enrolled" cannot last.
    Refunds still requested or pending after that long are reconciled too: a request whose
    answer was lost is sent again under its own key, the payment is re-fetched and settled,
    and pending refunds the provider's refunded total now covers are marked succeeded, so no
    refund waits forever for an event that never came. Paid payments are compared with the
    provider once a day while a refund can still change them, so one made in the provider's
    dashboard whose event was lost is settled all the same."""

    def __init__(self, uow: PaymentsUnitOfWork, gateways: PaymentGateways, confirm: ConfirmPayment,
                 clock: Clock, policy: PaymentPolicy) -> None:
        self.uow, self.gateways, self.confirm = uow, gateways, confirm
        self.clock, self.policy = clock, policy

    def __call__(self, limit: int = 100) -> SweepResult:
        now = self.clock.now()
        with self.uow:
            due = self.uow.payments.expired(now, limit)
            stale = self.uow.payments.open_before(now - self.policy.reconcile_after, limit)
            refunding = self.uow.refunds.unsettled(now - self.policy.reconcile_after, limit)
            paid = self.uow.payments.paid_unreconciled(
                now - self.policy.recheck_paid_every, now - self.policy.recheck_paid_for, limit)
        expired = settled = 0
        for payment_id in dict.fromkeys([*due, *stale]):
            try:
                status = self._check(payment_id, expire=payment_id in due)
            except DomainError as error:  # one provider failing must not stop the sweep
                log.warning("sweeping payment %s failed: %s", payment_id, error.message)
                continue
            expired += status == PaymentStatus.EXPIRED
            settled += status == PaymentStatus.SUCCEEDED
        reconciled = 0
        for payment_id in refunding:
            try:
                self._reconcile_refunds(payment_id)
            except DomainError as error:
                log.warning("reconciling the refunds of payment %s failed: %s", payment_id,
                            error.message)
                continue
            reconciled += 1
        rechecked = sum(self._recheck(payment_id) for payment_id in paid)
        return SweepResult(len(set(due) | set(stale)), expired, settled, reconciled, rechecked)

    def _recheck(self, payment_id: str) -> bool:
        try:
            self.confirm(ConfirmPaymentCommand(payment_id, capture=False))
        except DomainError as error:
            log.warning("re-checking payment %s failed: %s", payment_id, error.message)
            return False
        with self.uow:
            payment = self.uow.payments.get(payment_id, for_update=True)
            if payment is not None:
                payment.reconciled(self.clock.now())
                self.uow.commit()
        return True

    def _reconcile_refunds(self, payment_id: str) -> None:
        with self.uow:
            payment = self.uow.payments.get(payment_id)
            refunds = self.uow.refunds.for_payment(payment_id)
        if payment is None or payment.provider_reference is None:
            return
        gateway = self.gateways.get(payment.provider)
        for refund in refunds:
            if refund.status == RefundStatus.REQUESTED:  # its answer never reached us
                receipt = gateway.refund(payment.provider_reference, payment.id, refund.amount,
                                         f"refund:{refund.id}")
                with self.uow:
                    self.uow.refunds.update(refund.id, receipt.status, receipt.reference)
                    self.uow.commit()
        self.confirm(ConfirmPaymentCommand(payment_id, capture=False))
        with self.uow:
            paid = self.uow.payments.get(payment_id)
            refunds = self.uow.refunds.for_payment(payment_id)
            covered = sum(r.amount.amount_minor for r in refunds
                          if r.status == RefundStatus.SUCCEEDED)
            for refund in sorted(refunds, key=lambda r: r.created_at):
                if refund.status == RefundStatus.PENDING and paid is not None and \
                        covered + refund.amount.amount_minor <= paid.refunded_minor:
                    self.uow.refunds.update(refund.id, RefundStatus.SUCCEEDED,
                                            refund.provider_reference)
                    covered += refund.amount.amount_minor
            self.uow.commit()

    def _check(self, payment_id: str, expire: bool) -> str:
        with self.uow:
            payment = self.uow.payments.get(payment_id)
        if payment is None:
            return "gone"
        if payment.provider_reference is not None:
            view = self.confirm(ConfirmPaymentCommand(payment_id, capture=False))
            if view.status not in OPEN or not expire:
                return view.status
        with self.uow:
            locked = self.uow.payments.get(payment_id, for_update=True)
            if locked is None or not locked.is_open or not expire:
                return locked.status.value if locked else "gone"
            locked.expire(self.clock.now())
            self.uow.commit()
        # Expired first, so the provider's "canceled" event finds nothing left to change;
        # should the provider capture it anyway, the money is still honoured.
        if payment.provider_reference is not None:
            self.gateways.get(payment.provider).cancel(payment.provider_reference,
                                                       f"payment:{payment_id}:cancel")
        return "expired"


SWEEP_PAYMENTS = Job("sweep_payments", SweepPayments, every=timedelta(minutes=5))
