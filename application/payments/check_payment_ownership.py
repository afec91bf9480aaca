from __future__ import annotations

from dataclasses import dataclass

from application.payments.ports import PaymentsUnitOfWork
from application.shared.ports import Principal
from domain.shared.errors import NotFound


@dataclass(frozen=True)
class CheckPaymentOwnershipQuery:
    actor: Principal
    provider: str
    reference: str  # the provider's id of the payment


class CheckPaymentOwnership:
    """A page that acts on a payment known by its provider's reference (the sandbox's 3-D
    Secure page) acts for the payment's own student only: anyone else learns nothing, not
    even that the reference exists."""

    def __init__(self, uow: PaymentsUnitOfWork) -> None:
        self.uow = uow

    def __call__(self, query: CheckPaymentOwnershipQuery) -> None:
        with self.uow:
            payment = self.uow.payments.by_reference(query.provider, query.reference)
        if payment is None or payment.student_id != query.actor.user_id:
            raise NotFound(f"no payment {query.reference} of yours")
