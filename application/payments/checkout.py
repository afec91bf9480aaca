from __future__ import annotations

from dataclasses import dataclass

from application.catalog.published import CourseOffer
from application.identity.published import IdentityRequirements
from application.payments.checkout_rules import (
    Basket,
    basket_of,
    charge_for,
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
from domain.payments.model import Order, Payment, PaymentStatus
from domain.shared.errors import Conflict, PermissionDenied
from domain.shared.roles import Role


@dataclass(frozen=True)
class CheckoutCommand:
    actor: Principal
    course_ids: tuple[str, ...]
    provider: str
    flow: str | None = None
    payment_method: str | None = None  # sandbox only: a Stripe test payment method id
    credit_pack: str | None = None  # instead of course_ids: the id of a pack on sale


@dataclass(frozen=True)
class CheckoutResult:
    payment: PaymentView
    reused: bool


class Checkout:
    """Opens (or returns) the one payment attempt for a student and a purchase: a set of paid
    courses, or one credit pack. The amount is computed here, from the catalog or the pack;
    a provider that cannot charge its currency gets a converted amount with the rate
    snapshot kept on the payment."""

    def __init__(self, uow: PaymentsUnitOfWork, gateways: PaymentGateways, rates: ExchangeRates,
                 clock: Clock, ids: IdGenerator, links: Links, policy: PaymentPolicy,
                 auditor: Auditor, verification: VerificationPolicy,
                 requirements: IdentityRequirements) -> None:
        self.uow, self.gateways, self.rates, self.clock = uow, gateways, rates, clock
        self.ids, self.links, self.policy, self.auditor = ids, links, policy, auditor
        self.verification, self.requirements = verification, requirements

    def __call__(self, cmd: CheckoutCommand) -> CheckoutResult:
        if cmd.actor.role != Role.STUDENT:
            raise PermissionDenied("only students buy courses and credit packs")
        self.verification.ensure(cmd.actor, "pay")
        flow = self.gateways.flow(cmd.provider, cmd.flow)
        basket = basket_of(cmd.course_ids, cmd.credit_pack, self.policy)
        with self.uow:
            self.requirements.ensure_verified(self.uow.standing, cmd.actor, "pay")
            attempt = self.uow.payments.open_attempt(cmd.actor.user_id, basket.purchase)
            if attempt and attempt.provider_reference and \
                    attempt.status != PaymentStatus.FAILED and \
                    (attempt.provider, attempt.flow) == (cmd.provider, flow):
                return CheckoutResult(view_of(attempt), reused=True)
            courses = payable_courses(self.uow, cmd.actor.user_id, basket.course_ids)
            contact = self.uow.accounts.contact(cmd.actor.user_id)
            order = self.uow.orders.get(attempt.order_id) if attempt else None
            # Attempts holding any of these courses for other course sets are replaced: a
            # course is never in two open attempts, so it can never be paid twice. (A pack
            # holds no course.)
            held = set(self.uow.holds.holders(cmd.actor.user_id, basket.course_ids)
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
        if attempt is None or order is None:
            attempt, order = self._open(cmd, flow, basket, courses, sorted(held))
        gateway = self.gateways.get(attempt.provider)
        address = contact.email if contact else ""
        session = gateway.start(payment_request(attempt, order, self.links, address,
                                                cmd.payment_method))
        with self.uow:
            locked = lock_payment(self.uow, attempt.id)
            locked.attach(session.reference, session.client_secret, session.redirect_url,
                          session.expires_at or locked.expires_at, self.clock.now())
            self.uow.commit()
        return CheckoutResult(view_of(locked), reused=False)

    def _audit_replaced(self, student_id: str, old: Payment) -> None:
        with self.uow:
            self.auditor.record(self.uow, student_id, "checkout.replaced", "payment", old.id,
                                purchase=old.purchase)
            self.uow.commit()

    def _open(self, cmd: CheckoutCommand, flow: str, basket: Basket,
              courses: list[CourseOffer], replaced: list[str]) -> tuple[Payment, Order]:
        now, lines = self.clock.now(), basket.lines(courses, self.ids.new_id)
        order = Order(self.ids.new_id(), cmd.actor.user_id, lines[0].price.currency, now, lines)
        amount, rate = charge_for(self.gateways.get(cmd.provider), self.rates, self.policy,
                                  order)
        payment = Payment(self.ids.new_id(), order.id, cmd.actor.user_id, cmd.provider, flow,
                          amount, order.total, basket.purchase, now, now,
                          expires_at=now + self.policy.checkout_ttl)
        if rate is not None:
            payment.apply_rate(rate)
        with self.uow:
            self.uow.orders.add(order)
            self.uow.payments.add(payment)
            self.auditor.record(self.uow, cmd.actor.user_id, "checkout.opened", "payment",
                                payment.id, provider=cmd.provider, courses=list(order.course_ids),
                                **({"credit_pack": basket.pack.id} if basket.pack else {}))
            try:
                # Only the holds of the attempts closed above: one a racing checkout took
                # meanwhile stays, and this hold then collides with it.
                self.uow.holds.release(cmd.actor.user_id, replaced)
                self.uow.holds.hold(cmd.actor.user_id, list(order.course_ids), payment.id)
                self.uow.commit()
            except Conflict as error:  # a concurrent checkout for this purchase won
                raise Conflict("a checkout for this purchase is already being opened; "
                               "retry in a moment") from error
        return payment, order

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


