"""Rules of institutions that come from configuration."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from domain.institutions.invoices import InvoicePrices
from domain.shared.errors import InvalidState, InvalidValue


@dataclass(frozen=True)
class InstitutionsPolicy:
    # The plans institutions may be on (each maps to a billing price in configuration).
    plans: tuple[str, ...] = ("basic", "pro", "enterprise")
    # The billing provider's price of each plan (Stripe's price_...); a plan without one
    # cannot be subscribed to. None: the biller prices plans itself (eduport's own billing).
    prices: Mapping[str, str] | None = None
    # What a month's usage costs, and the time zone whose months are billed.
    invoice_prices: InvoicePrices = field(default_factory=InvoicePrices)
    invoice_time_zone: str = "UTC"
    invoice_days_until_due: int = 30
    # Reminders, in days past the due date, each sent once per invoice from 09:00 in the
    # billing time zone; after the last one the institution is flagged past due (and
    # deactivated when ``suspend_past_due``).
    dunning_ladder: tuple[int, ...] = (3, 7, 14)
    suspend_past_due: bool = False
    # The share of its storage quota (percent) whose crossing warns an institution.
    storage_warning_percent: int = 90

    def check_plan(self, plan: str) -> None:
        if plan not in self.plans:
            raise InvalidValue(f"no plan {plan!r}; the plans are {', '.join(self.plans)}",
                               "plan")

    def price_of(self, plan: str) -> str:
        if self.prices is None:
            return plan
        price = self.prices.get(plan)
        if price is None:
            raise InvalidState(f"the plan {plan!r} has no price configured "
                               "(INSTITUTION_PLAN_PRICES); it cannot be subscribed to")
        return price
