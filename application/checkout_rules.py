"""Checkout's rules, apart from its workflow: which courses can be sold together, what the
provider charges, and what the provider is asked."""

from __future__ import annotations

from application.config import Links, PaymentPolicy
from application.currency import convert
from application.payment_views import view_of
from application.ports import (
    CheckoutLine,
    ExchangeRates,
    PaymentGateway,
    PaymentRequest,
    UnitOfWork,
)
from domain.catalog import Course
from domain.errors import Conflict, InvalidValue, NotFound
from domain.money import Money
from domain.payments import ExchangeRate, Order, Payment


def course_set_of(course_ids: tuple[str, ...], policy: PaymentPolicy) -> str:
    if not 1 <= len(set(course_ids)) <= policy.max_courses:
        raise InvalidValue(f"choose 1 to {policy.max_courses} courses")
    return Order.course_set_key(course_ids)


def payable_courses(uow: UnitOfWork, student_id: str, course_set: str) -> list[Course]:
    """Published, paid courses the student does not have yet, all in one currency."""
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


def charge_for(gateway: PaymentGateway, rates: ExchangeRates, policy: PaymentPolicy,
               order: Order) -> tuple[Money, ExchangeRate | None]:
    """The order's total, or, when the provider cannot take its currency, the sum of its
    lines converted one by one (so itemised providers add up) at a rate snapshot."""
    if gateway.supports(order.currency):
        return order.total, None
    target = policy.fallback_for(gateway.provider)
    if target is None:
        raise InvalidValue(f"{gateway.provider} cannot charge {order.currency}")
    rate = rates.rate(order.currency, target)
    total = Money.zero(target)
    for line in order.lines:
        total = total + convert(line.price, rate)
    return total, rate


def payment_request(payment: Payment, courses: list[Course], links: Links, email: str,
                    payment_method: str | None) -> PaymentRequest:
    rate = view_of(payment).exchange_rate
    lines = tuple(CheckoutLine(c.id, c.title, convert(c.price, rate) if rate else c.price)
                  for c in courses)
    return PaymentRequest(
        payment.id, payment.order_id, payment.flow, payment.amount, lines,
        description=", ".join(c.title for c in courses)[:120], customer_email=email,
        success_url=links.to("checkout/success", payment=payment.id),
        cancel_url=links.to("checkout/cancel", payment=payment.id),
        expires_at=payment.expires_at, idempotency_key=f"payment:{payment.id}:create",
        payment_method=payment_method)
