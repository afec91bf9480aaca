"""Checkout's rules, apart from its workflow: what one checkout may buy together, what the
provider charges, and what the provider is asked."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

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
from domain.payments.credit_packs import CreditPack
from domain.payments.model import ExchangeRate, Order, OrderLine, Payment
from domain.shared.errors import InvalidValue
from domain.shared.money import Money


@dataclass(frozen=True)
class Basket:
    """What one checkout buys, before it is an order: paid courses, or one credit pack."""

    purchase: str  # Payment.purchase: one open attempt per student and purchase
    course_ids: tuple[str, ...] = ()  # sorted, without repeats; the courses checkout holds
    pack: CreditPack | None = None

    def lines(self, courses: list[CourseOffer], new_id: Callable[[], str]) -> list[OrderLine]:
        """The order's lines: ``courses`` (the offers of ``course_ids``), or the pack."""
        if self.pack is not None:
            return [OrderLine.for_credit_pack(new_id(), self.pack)]
        return [OrderLine.for_course(new_id(), c.id, c.title, c.price) for c in courses]


def basket_of(course_ids: tuple[str, ...], credit_pack: str | None,
              policy: PaymentPolicy) -> Basket:
    """Courses or one credit pack, exactly one of the two; a pack must be on sale."""
    if bool(course_ids) == (credit_pack is not None):
        raise InvalidValue("buy either courses (course_ids) or one credit pack (credit_pack)",
                           field="credit_pack" if course_ids else "course_ids")
    if credit_pack is not None:
        pack = policy.credit_pack(credit_pack)
        return Basket(pack.purchase, pack=pack)
    if not 1 <= len(set(course_ids)) <= policy.max_courses:
        raise InvalidValue(f"choose 1 to {policy.max_courses} courses")
    return Basket(Order.course_set_key(course_ids), tuple(sorted(set(course_ids))))


def payable_courses(uow: PaymentsUnitOfWork, student_id: str,
                    course_ids: tuple[str, ...]) -> list[CourseOffer]:
    """Published, paid courses the student does not have yet, all in one currency."""
    courses = [uow.course_access.offer(student_id, course_id) for course_id in course_ids]
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


def payment_request(payment: Payment, order: Order, links: Links, email: str,
                    payment_method: str | None) -> PaymentRequest:
    """What the provider is asked for ``payment``: the lines of its own order, as charged
    (so a retry after a timeout asks for exactly what the first request did)."""
    rate = view_of(payment).exchange_rate
    lines = tuple(CheckoutLine(line.item_id, line.title,
                               convert(line.price, rate) if rate else line.price)
                  for line in order.lines)
    return PaymentRequest(
        payment.id, payment.order_id, payment.flow, payment.amount, lines,
        description=", ".join(line.title for line in order.lines)[:120], customer_email=email,
        success_url=links.to("checkout/success", payment=payment.id),
        cancel_url=links.to("checkout/cancel", payment=payment.id),
        expires_at=payment.expires_at, idempotency_key=f"payment:{payment.id}:create",
        payment_method=payment_method)
