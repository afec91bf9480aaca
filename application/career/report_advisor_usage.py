from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from application.career.ports import CareerUnitOfWork, UsageRow
from application.shared.ports import Clock
from domain.shared.errors import InvalidValue


@dataclass(frozen=True)
class UsageCommand:
    days: int = 30
    by_user: bool = False


class ReportAdvisorUsage:
    """Advisor calls and tokens per day (and per user) over the last ``days`` days, for
    platform admins."""

    def __init__(self, uow: CareerUnitOfWork, clock: Clock) -> None:
        self.uow, self.clock = uow, clock

    def __call__(self, cmd: UsageCommand) -> list[UsageRow]:
        if not 1 <= cmd.days <= 366:
            raise InvalidValue("days is 1 to 366", "days")
        now = self.clock.now()
        start = datetime.combine(now.date(), time(), now.tzinfo) - timedelta(days=cmd.days - 1)
        with self.uow.reading():
            return self.uow.calls.usage(start, now + timedelta(seconds=1), cmd.by_user)
