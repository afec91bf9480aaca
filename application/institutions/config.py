"""Rules of institutions that come from configuration."""

from __future__ import annotations

from dataclasses import dataclass

from domain.shared.errors import InvalidValue


@dataclass(frozen=True)
class InstitutionsPolicy:
    # The plans institutions may be on (each maps to a billing price in configuration).
    plans: tuple[str, ...] = ("basic", "pro", "enterprise")

    def check_plan(self, plan: str) -> None:
        if plan not in self.plans:
            raise InvalidValue(f"no plan {plan!r}; the plans are {', '.join(self.plans)}",
                               "plan")
