"""What consultations earned, per provider and day (the platform's usage) or over a period
(a provider's earnings), from the bills of ended consultations; per currency, as amounts in
different currencies are never added."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from application.live.ports import LiveUnitOfWork
from application.shared.ports import Principal
from domain.live.consultations import Consultation
from domain.shared.errors import InvalidValue, PermissionDenied
from domain.shared.money import Money
from domain.shared.roles import Role

MAX_DAYS = 92


@dataclass(frozen=True)
class UsageLine:
    provider_id: str
    day: date | None  # None: the whole period
    consultations: int
    minutes: int
    revenue: Money


def usage_lines(consultations: list[Consultation], by_day: bool) -> list[UsageLine]:
    totals: dict[tuple[str, date | None, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    for c in consultations:
        day = c.ended_at.date() if by_day and c.ended_at else None
        line = totals[c.provider_id, day, c.currency]
        line[0] += 1
        line[1] += c.billed_minutes
        line[2] += c.cost_minor
    return [UsageLine(provider, day, n, minutes, Money(minor, currency))
            for (provider, day, currency), (n, minutes, minor) in
            sorted(totals.items(), key=lambda item: (item[0][1] or date.min, item[0][0],
                                                     item[0][2]))]


def period(first: date, last: date) -> tuple[datetime, datetime]:
    if last < first or (last - first).days >= MAX_DAYS:
        raise InvalidValue(f"a period runs forward, {MAX_DAYS} days at most")
    return (datetime.combine(first, time(), UTC),
            datetime.combine(last + timedelta(days=1), time(), UTC))


@dataclass(frozen=True)
class ConsultationUsageQuery:
    actor: Principal
    first_day: date
    last_day: date


class GetConsultationUsage:
    """Platform admins: consultations, billed minutes and revenue per provider and day
    (UTC days, by when a consultation ended)."""

    def __init__(self, uow: LiveUnitOfWork) -> None:
        self.uow = uow

    def __call__(self, query: ConsultationUsageQuery) -> list[UsageLine]:
        if query.actor.role != Role.PLATFORM_ADMIN:
            raise PermissionDenied("only platform admins see consultation usage")
        start, end = period(query.first_day, query.last_day)
        with self.uow:
            return usage_lines(self.uow.consultations.ended_between(start, end), by_day=True)
