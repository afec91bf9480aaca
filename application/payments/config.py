"""Payment rules that come from configuration."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from domain.payments.credit_packs import CreditPack
from domain.shared.errors import InvalidValue


@dataclass(frozen=True)
class PaymentPolicy:
    checkout_ttl: timedelta = timedelta(minutes=60)
    # Open payments untouched this long are reconciled against the provider.
    reconcile_after: timedelta = timedelta(hours=2)
    # Paid ones are compared with the provider this often, for as long as a refund or a
    # dispute can still change them (card networks allow disputes for about 120 days).
    recheck_paid_every: timedelta = timedelta(days=1)
    recheck_paid_for: timedelta = timedelta(days=120)
    # What a provider charges when it cannot take the course's currency.
    fallback_currency: tuple[tuple[str, str], ...] = (("paypal", "USD"),)
    max_courses: int = 20
    # The credit packs on sale (CREDIT_PACKS), in the order they are listed.
    credit_packs: tuple[CreditPack, ...] = ()

    def fallback_for(self, provider: str) -> str | None:
        return dict(self.fallback_currency).get(provider)

    def credit_pack(self, pack_id: str) -> CreditPack:
        """The pack on sale with this id; ``InvalidValue`` (naming the others) otherwise."""
        for pack in self.credit_packs:
            if pack.id == pack_id:
                return pack
        offered = ", ".join(pack.id for pack in self.credit_packs)
        raise InvalidValue(f"there is no credit pack {pack_id!r}; " + (
            f"choose one of: {offered}" if offered else "none is on sale"), field="credit_pack")
