from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from application.live.consultation_usage import UsageLine, period, usage_lines
from application.live.ports import LiveUnitOfWork
from application.shared.ports import Clock, Principal
from domain.shared.errors import PermissionDenied
from domain.shared.roles import Role


@dataclass(frozen=True)
class EarningsQuery:
    actor: Principal
    days: int = 30


class GetEarnings:
    """A provider's earnings over the last ``days`` days, per currency."""

    def __init__(self, uow: LiveUnitOfWork, clock: Clock) -> None:
        self.uow, self.clock = uow, clock

    def __call__(self, query: EarningsQuery) -> list[UsageLine]:
        if query.actor.role != Role.TEACHER:
            raise PermissionDenied("earnings are a provider's")
        today = self.clock.now().date()
        start, end = period(today - timedelta(days=query.days - 1), today)
        with self.uow:
            return usage_lines(self.uow.consultations.ended_between(
                start, end, provider_id=query.actor.user_id), by_day=False)
