from __future__ import annotations

from application.payments.payment_views import PaymentView, view_of
from application.payments.ports import PaymentsUnitOfWork
from application.shared.ports import Principal
from domain.shared.errors import NotFound
from domain.shared.roles import Role


class GetPayment:
    """A payment as its student (or a platform admin) may see it; others get 404."""

    def __init__(self, uow: PaymentsUnitOfWork) -> None:
        self.uow = uow

    def __call__(self, actor: Principal, payment_id: str) -> PaymentView:
        with self.uow:
            payment = self.uow.payments.get(payment_id)
            if payment is None or (payment.student_id != actor.user_id
                                   and actor.role != Role.PLATFORM_ADMIN):
                raise NotFound("no such payment")
            return view_of(payment)
