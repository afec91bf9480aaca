from __future__ import annotations

from application.payments.config import PaymentPolicy
from domain.payments.credit_packs import CreditPack


class ListCreditPacks:
    """The credit packs on sale (configured), in their configured order; anyone may look."""

    def __init__(self, policy: PaymentPolicy) -> None:
        self.policy = policy

    def __call__(self) -> tuple[CreditPack, ...]:
        return self.policy.credit_packs
