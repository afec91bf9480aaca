from __future__ import annotations

from dataclasses import dataclass

from application.catalog.published import CourseOffer
from application.payments.checkout_rules import (
    charge_for,
    course_set_of,
    payable_courses,
    payment_request,
)
from application.payments.config import PaymentPolicy
from application.payments.payment_views import PaymentView, view_of
from application.payments.ports import ExchangeRates, PaymentsUnitOfWork
from application.payments.providers import PaymentGateways
from application.payments.settlement import lock_payment
from application.shared.audit import Auditor
from application.shared.config import Links, VerificationPolicy
from application.shared.ports import Clock, IdGenerator, Principal
from domain.payments.model import Order, OrderLine, Payment, PaymentStatus
from domain.shared.errors import Conflict, PermissionDenied
from domain.shared.roles import Role


@dataclass(frozen=True)
class CheckoutCommand:
    actor: Principal
    course_ids: tuple[str, ...]
    provider: str
    flow: str | None = None
    payment_method: str | None = None  # sandbox only: a Stripe test payment method id


@dataclass(frozen=True)
class CheckoutResult:
    payment: PaymentView
    reused: bool


class Checkout:
    """Opens (or returns) the one payment attempt for a student and a set of paid courses.
    The amount is computed here from the catalog; a provider that cannot charge the courses'
    currency gets a converted amount with the rate snapshot kept on the payment."""

    def __init__(self, uow: PaymentsUnitOfWork, gateways: PaymentGateways, rates: ExchangeRates,
                 clock: Clock, ids: IdGenerator, links: Links, policy: PaymentPolicy,
                 auditor: Auditor, verification: VerificationPolicy) -> None:
        self.uow, self.gateways, self.rates, self.clock = uow, gateways, rates, clock
        self.ids, self.links, self.policy, self.auditor = ids, links, policy, auditor
        self.verification = verification

    def __call__(self, cmd: CheckoutCommand) -> CheckoutResult:
        if cmd.actor.role != Role.STUDENT:
            raise PermissionDenied("only students buy courses")
        self.verification.ensure(cmd.actor, "pay")
        flow = self.gateways.flow(cmd.provider, cmd.flow)
        course_set = course_set_of(cmd.course_ids, self.policy)
        with self.uow:
            attempt = self.uow.payments.open_attempt(cmd.actor.user_id, course_set)
            if attempt and attempt.provider_reference and \
                    attempt.status != PaymentStatus.FAILED and \
                    (attempt.provider, attempt.flow) == (cmd.provider, flow):
                return CheckoutResult(view_of(attempt), reused=True)
            courses = payable_courses(self.uow, cmd.actor.user_id, course_set)
            contact = self.uow.accounts.contact(cmd.actor.user_id)
            # Attempts holding any of these courses for other course sets are replaced: a
            # course is never in two open attempts, so it can never be paid twice.
            held = set(self.uow.holds.holders(cmd.actor.user_id, [c.id for c in courses])
                       .values()) - {attempt.id if attempt else ""}
            overlapping = [p for p in map(self.uow.payments.get, sorted(held))
                           if p is not None and p.is_open]
        if attempt is not None and (attempt.status == PaymentStatus.FAILED or (
                attempt.provider, attempt.flow) != (cmd.provider, flow)):
            self._cancel(attempt)  # another provider, or another card after a decline
            held.add(attempt.id)
            attempt = None
        for old in overlapping:
            self._cancel(old)
            self._audit_replaced(cmd.actor.user_id, old)
        payment = attempt or self._open(cmd, flow, course_set, courses, sorted(held))
        gateway = self.gateways.get(payment.provider)
        address = contact.email if contact else ""
        session = gateway.start(payment_request(payment, courses, self.links, address,
                                                cmd.payment_method))
        with self.uow:
            locked = lock_payment(self.uow, payment.id)
            locked.attach(session.reference, session.client_secret, session.redirect_url,
                          session.expires_at or locked.expires_at, self.clock.now())
            self.uow.commit()
        return CheckoutResult(view_of(locked), reused=False)

    def _audit_replaced(self, student_id: str, old: Payment) -> None:
        with self.uow:
            self.auditor.record(self.uow, student_id, "checkout.replaced", "payment", old.id,
                                course_set=old.course_set)
            self.uow.commit()

    def _open(self, cmd: CheckoutCommand, flow: str, course_set: str,
              courses: list[CourseOffer], replaced: list[str]) -> Payment:
        now, currency = self.clock.now(), courses[0].price.currency
        order = Order(self.ids.new_id(), cmd.actor.user_id, currency, now, [
            OrderLine(self.ids.new_id(), c.id, c.title, c.price) for c in courses])
        amount, rate = charge_for(self.gateways.get(cmd.provider), self.rates, self.policy,
                                  order)
        payment = Payment(self.ids.new_id(), order.id, cmd.actor.user_id, cmd.provider, flow,
                          amount, order.total, course_set, now, now,
                          expires_at=now + self.policy.checkout_ttl)
        if rate is not None:
            payment.apply_rate(rate)
        with self.uow:
            self.uow.orders.add(order)
            self.uow.payments.add(payment)
            self.auditor.record(self.uow, cmd.actor.user_id, "checkout.opened", "payment",
                                payment.id, provider=cmd.provider, courses=list(order.course_ids))
            try:
                # Only the holds of the attempts closed above: one a racing checkout took
                # meanwhile stays, and this hold then collides with it.
                self.uow.holds.release(cmd.actor.user_id, replaced)
                self.uow.holds.hold(cmd.actor.user_id, list(order.course_ids), payment.id)
                self.uow.commit()
            except Conflict as error:  # a concurrent checkout for these courses won
                raise Conflict("a checkout for these courses is already being opened; "
                               "retry in a moment") from error
        return payment

    def _cancel(self, attempt: Payment) -> None:
        """Another provider was chosen: close the old attempt there first, then here."""
        if attempt.provider_reference:
            self.gateways.get(attempt.provider).cancel(attempt.provider_reference,
                                                       f"payment:{attempt.id}:cancel")
        with self.uow:
            old = self.uow.payments.get(attempt.id, for_update=True)
            if old is not None and old.is_open:
                old.cancel(self.clock.now())
                self.uow.commit()


