"""Payment rules that come from configuration."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


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

    def fallback_for(self, provider: str) -> str | None:
        return dict(self.fallback_currency).get(provider)
