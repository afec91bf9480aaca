"""Applies what a provider says about a payment, inside the caller's unit of work: the
payment's state, the student's access to every course of the order, and the statistics; for
a credit pack, the events that tell the live area's ledger what the student is owed."""

from __future__ import annotations

import logging

from application.payments.ports import PaymentState, PaymentsUnitOfWork
from application.shared.audit import Auditor
from application.shared.ports import Clock
from domain.payments.credit_packs import credits_taken_back
from domain.payments.events import CreditPackPurchased, CreditPackRefunded
from domain.payments.model import Order, OrderLineKind, Payment, PaymentStatus
from domain.shared.errors import InvalidState, InvalidValue, NotFound
from domain.shared.money import Money

log = logging.getLogger(__name__)
S = PaymentStatus


def allocate(total: int, weights: list[int]) -> list[int]:
    """Splits ``total`` in proportion to ``weights``; the shares add up exactly."""
    whole = sum(weights)
    if whole == 0:
        return [0 for _ in weights]
    shares = [total * w // whole for w in weights]
    remainders = sorted(range(len(weights)), key=lambda i: -(total * weights[i] % whole))
    for i in remainders[: total - sum(shares)]:
        shares[i] += 1
    return shares


class Settlement:
    def __init__(self, clock: Clock, auditor: Auditor) -> None:
        self.clock, self.auditor = clock, auditor

    def apply(self, uow: PaymentsUnitOfWork, payment: Payment, state: PaymentState) -> str:
        """Moves the payment to the provider's state; returns a short outcome."""
        now, status = self.clock.now(), S(state.status)
        try:
            if status == S.SUCCEEDED and state.received is not None:
                if payment.succeed(state.received, now, state.provider_payment_id):
                    self._grant(uow, payment)
                self._refunds(uow, payment, state.refunded_minor)
            elif status == S.REQUIRES_ACTION:
                payment.require_action(now)
            elif status == S.FAILED:
                payment.fail(state.failure_reason or "declined", now)
            elif status == S.CANCELED:
                payment.cancel(now)
            elif status == S.EXPIRED:
                payment.expire(now)
        except InvalidValue as error:  # the provider received another amount: never enroll
            payment.failure_reason = "amount_mismatch"
            self.auditor.record(uow, None, "payment.amount_mismatch", "payment", payment.id,
                                detail=error.message)
            log.error("payment %s: %s", payment.id, error.message)
            return "amount mismatch"
        except InvalidState as error:
            self.auditor.record(uow, None, "payment.state_conflict", "payment", payment.id,
                                provider_status=status.value, detail=error.message)
            return f"ignored: {error.message}"
        return payment.status.value

    def dispute(self, uow: PaymentsUnitOfWork, payment: Payment, opened: bool, won: bool) -> str:
        order, access = self._order(uow, payment), uow.course_access
        courses, source = order.course_ids, f"order:{order.id}"
        if opened and payment.open_dispute(self.clock.now()):
            access.suspend(payment.student_id, courses, source)
        elif not opened and payment.close_dispute(won, self.clock.now()):
            if won:
                access.restore(payment.student_id, courses, source)
            else:
                access.revoke(payment.student_id, courses, source)
                self._reverse_revenue(uow, payment, order, payment.refundable.amount_minor)
                self._take_back_credits(uow, payment, order, payment.refunded_minor,
                                        chargeback=True)
        self.auditor.record(uow, None, "payment.dispute", "payment", payment.id,
                            status=payment.status.value)
        return payment.status.value

    def _grant(self, uow: PaymentsUnitOfWork, payment: Payment) -> None:
        order, now = self._order(uow, payment), self.clock.now()
        for line in order.course_lines:
            course_id = str(line.course_id)
            uow.course_access.grant(payment.student_id, course_id, f"order:{order.id}", now)
            uow.course_access.record_revenue(course_id, line.price)
        pack = order.credit_pack
        if pack is not None:
            # Credits are the live area's: it posts them when it hears of the purchase.
            uow.publish(CreditPackPurchased(payment.id, payment.student_id,
                                            str(pack.credit_pack_id), pack.credits.amount_minor,
                                            pack.credits.currency))
        self.auditor.record(uow, payment.student_id, "payment.succeeded", "payment", payment.id,
                            order_id=order.id, courses=list(order.course_ids),
                            **({"credit_pack": pack.credit_pack_id} if pack else {}))

    def _refunds(self, uow: PaymentsUnitOfWork, payment: Payment, refunded_minor: int) -> None:
        before = payment.refunded_minor
        if not payment.record_refund(refunded_minor, self.clock.now()):
            return
        order = self._order(uow, payment)
        self._reverse_revenue(uow, payment, order, refunded_minor - before)
        self._take_back_credits(uow, payment, order, before, chargeback=False)
        if payment.status == S.REFUNDED:
            uow.course_access.revoke(payment.student_id, order.course_ids, f"order:{order.id}")
        self.auditor.record(uow, None, "payment.refunded", "payment", payment.id,
                            refunded_minor=refunded_minor, status=payment.status.value)

    def _reverse_revenue(self, uow: PaymentsUnitOfWork, payment: Payment, order: Order,
                         charged_minor: int) -> None:
        """Takes back ``charged_minor`` (in the charged currency) from the courses' revenue,
        in the catalog currency, in proportion to each line's price."""
        total = order.total.amount_minor
        in_order_currency = charged_minor * total // max(payment.amount.amount_minor, 1)
        shares = allocate(in_order_currency, [line.price.amount_minor for line in order.lines])
        for line, share in zip(order.lines, shares, strict=True):
            # A credit pack line's share is no course's revenue: its credits go back instead.
            if share and line.kind is OrderLineKind.COURSE:
                uow.course_access.record_revenue(str(line.course_id),
                                                 Money(-share, order.currency))

    @staticmethod
    def _take_back_credits(uow: PaymentsUnitOfWork, payment: Payment, order: Order,
                           refunded_before: int, chargeback: bool) -> None:
        """Tells the live area which credits of a pack the money that went back takes with
        it: this step's share (a refund's, in proportion to the refunded total; a lost
        dispute's, everything not taken back yet), named by the running total it reaches."""
        pack, paid = order.credit_pack, payment.amount.amount_minor
        if pack is None:
            return
        granted = pack.credits.amount_minor
        before = credits_taken_back(granted, paid, refunded_before)
        after = granted if chargeback else credits_taken_back(granted, paid,
                                                               payment.refunded_minor)
        if after > before:
            uow.publish(CreditPackRefunded(payment.id, payment.student_id,
                                           str(pack.credit_pack_id), pack.credits.currency,
                                           granted, after - before, after, chargeback))

    @staticmethod
    def _order(uow: PaymentsUnitOfWork, payment: Payment) -> Order:
        order = uow.orders.get(payment.order_id)
        if order is None:
            raise NotFound(f"order {payment.order_id} is missing")
        return order


def lock_payment(uow: PaymentsUnitOfWork, payment_id: str) -> Payment:
    """The payment, locked until commit so that concurrent settlements queue."""
    locked = uow.payments.get(payment_id, for_update=True)
    if locked is None:
        raise NotFound(f"payment {payment_id} vanished while being settled")
    return locked
