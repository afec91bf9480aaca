"""Checkout's rules, apart from its workflow: which courses can be sold together, what the
provider charges, and what the provider is asked."""

from __future__ import annotations

from application.catalog.published import CourseOffer
from application.payments.config import PaymentPolicy
from application.payments.currency import convert
from application.payments.payment_views import view_of
from application.payments.ports import (
    CheckoutLine,
    ExchangeRates,
    PaymentGateway,
    PaymentRequest,
    PaymentsUnitOfWork,
)
from application.shared.config import Links
from domain.payments.model import ExchangeRate, Order, Payment
from domain.shared.errors import InvalidValue
from domain.shared.money import Money


def course_set_of(course_ids: tuple[str, ...], policy: PaymentPolicy) -> str:
    if not 1 <= len(set(course_ids)) <= policy.max_courses:
        raise InvalidValue(f"choose 1 to {policy.max_courses} courses")
    return Order.course_set_key(course_ids)


def payable_courses(uow: PaymentsUnitOfWork, student_id: str,
                    course_set: str) -> list[CourseOffer]:
    """Published, paid courses the student does not have yet, all in one currency."""
    courses = [uow.course_access.offer(student_id, course_id)
               for course_id in course_set.split(",")]
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


def payment_request(payment: Payment, courses: list[CourseOffer], links: Links, email: str,
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
