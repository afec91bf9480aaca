from __future__ import annotations

from dataclasses import dataclass

from application.audit import Auditor
from application.config import Links, PaymentPolicy
from application.currency import convert
from application.payment_views import PaymentView, view_of
from application.ports import (
    CheckoutLine,
    Clock,
    ExchangeRates,
    IdGenerator,
    PaymentRequest,
    Principal,
    UnitOfWork,
)
from application.providers import PaymentGateways
from domain.accounts import Role
from domain.catalog import Course
from domain.errors import Conflict, InvalidValue, NotFound, PermissionDenied
from domain.money import Money
from domain.payments import ExchangeRate, Order, OrderLine, Payment


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

    def __init__(self, uow: UnitOfWork, gateways: PaymentGateways, rates: ExchangeRates,
                 clock: Clock, ids: IdGenerator, links: Links, policy: PaymentPolicy,
                 auditor: Auditor) -> None:
        self.uow, self.gateways, self.rates, self.clock = uow, gateways, rates, clock
        self.ids, self.links, self.policy, self.auditor = ids, links, policy, auditor

    def __call__(self, cmd: CheckoutCommand) -> CheckoutResult:
        if cmd.actor.role != Role.STUDENT:
            raise PermissionDenied("only students buy courses")
        flow, course_set = self.gateways.flow(cmd.provider, cmd.flow), _course_set(cmd, self.policy)
        with self.uow:
            attempt = self.uow.payments.open_attempt(cmd.actor.user_id, course_set)
            if attempt and attempt.provider_reference and attempt.status.value != "failed" and (
                    attempt.provider, attempt.flow) == (cmd.provider, flow):
                return CheckoutResult(view_of(attempt), reused=True)
            courses = _payable_courses(self.uow, cmd.actor.user_id, course_set)
            email = self.uow.users.get(cmd.actor.user_id)
        if attempt is not None and (attempt.status.value == "failed" or (
                attempt.provider, attempt.flow) != (cmd.provider, flow)):
            self._cancel(attempt)  # another provider, or another card after a decline
            attempt = None
        payment = attempt or self._open(cmd, flow, course_set, courses)
        gateway = self.gateways.get(payment.provider)
        session = gateway.start(self._request(payment, cmd, courses, email.email if email else ""))
        with self.uow:
            locked = self.uow.payments.get(payment.id, for_update=True)
            assert locked is not None
            locked.attach(session.reference, session.client_secret, session.redirect_url,
                          session.expires_at or locked.expires_at, self.clock.now())
            self.uow.commit()
        return CheckoutResult(view_of(locked), reused=False)

    def _open(self, cmd: CheckoutCommand, flow: str, course_set: str,
              courses: list[Course]) -> Payment:
        now, currency = self.clock.now(), courses[0].price.currency
        order = Order(self.ids.new_id(), cmd.actor.user_id, currency, now, [
            OrderLine(self.ids.new_id(), c.id, c.title, c.price) for c in courses])
        amount, rate = self._amount(cmd.provider, order)
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
                self.uow.commit()
            except Conflict as error:  # a concurrent checkout for the same courses won
                raise Conflict("a checkout for these courses is already being opened; "
                               "retry in a moment") from error
        return payment

    def _amount(self, provider: str, order: Order) -> tuple[Money, ExchangeRate | None]:
        if self.gateways.get(provider).supports(order.currency):
            return order.total, None
        target = self.policy.fallback_for(provider)
        if target is None:
            raise InvalidValue(f"{provider} cannot charge {order.currency}")
        rate = self.rates.rate(order.currency, target)
        total = Money.zero(target)
        for line in order.lines:
            total = total + convert(line.price, rate)
        return total, rate

    def _request(self, payment: Payment, cmd: CheckoutCommand, courses: list[Course],
                 email: str) -> PaymentRequest:
        rate = _rate_of(payment)
        lines = tuple(CheckoutLine(c.id, c.title, convert(c.price, rate) if rate else c.price)
                      for c in courses)
        return PaymentRequest(
            payment.id, payment.order_id, payment.flow, payment.amount, lines,
            description=", ".join(c.title for c in courses)[:120], customer_email=email,
            success_url=self.links.to("checkout/success", payment=payment.id),
            cancel_url=self.links.to("checkout/cancel", payment=payment.id),
            expires_at=payment.expires_at, idempotency_key=f"payment:{payment.id}:create",
            payment_method=cmd.payment_method)

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


def _course_set(cmd: CheckoutCommand, policy: PaymentPolicy) -> str:
    if not 1 <= len(set(cmd.course_ids)) <= policy.max_courses:
        raise InvalidValue(f"choose 1 to {policy.max_courses} courses")
    return Order.course_set_key(cmd.course_ids)


def _payable_courses(uow: UnitOfWork, student_id: str, course_set: str) -> list[Course]:
    courses = []
    for course_id in course_set.split(","):
        course = uow.courses.get(course_id)
        if course is None or not course.is_published:
            raise NotFound(f"no such course: {course_id}")
        if course.is_free:
            raise InvalidValue(f"{course.title!r} is free: enroll without checkout")
        enrollment = uow.enrollments.get(student_id, course_id)
        if enrollment is not None and enrollment.grants_access:
            raise Conflict(f"you are already enrolled in {course.title!r}")
        courses.append(course)
    if len({c.price.currency for c in courses}) > 1:
        raise InvalidValue("courses priced in different currencies are bought separately")
    return courses


def _rate_of(payment: Payment) -> ExchangeRate | None:
    return view_of(payment).exchange_rate

