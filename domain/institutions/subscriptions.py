"""An institution's subscription to its plan, as the billing provider last said it is."""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from domain.institutions.events import SubscriptionStatusChanged
from domain.shared.model import Aggregate


class SubscriptionStatus(StrEnum):
    """Stripe's statuses (the local billing uses active and canceled)."""

    INCOMPLETE = "incomplete"
    INCOMPLETE_EXPIRED = "incomplete_expired"
    TRIALING = "trialing"
    ACTIVE = "active"
    PAST_DUE = "past_due"
    CANCELED = "canceled"
    UNPAID = "unpaid"
    PAUSED = "paused"


ENDED = frozenset({SubscriptionStatus.CANCELED, SubscriptionStatus.INCOMPLETE_EXPIRED})


def next_period_end(start: datetime) -> datetime:
    """A month on, on the same day or the month's last (31 January: 28 or 29 February)."""
    year, month = (start.year + 1, 1) if start.month == 12 else (start.year, start.month + 1)
    return start.replace(year=year, month=month,
                         day=min(start.day, calendar.monthrange(year, month)[1]))


@dataclass(eq=False)
class Subscription(Aggregate):
    id: str  # the provider's id (sub_... at Stripe)
    institution_id: str
    provider: str
    plan: str
    status: SubscriptionStatus
    cancel_at_period_end: bool
    current_period_end: datetime | None
    updated_at: datetime
    version: int = field(default=1)

    @property
    def has_ended(self) -> bool:
        return self.status in ENDED

    def sync(self, status: SubscriptionStatus, cancel_at_period_end: bool,
             current_period_end: datetime | None, now: datetime) -> None:
        """Takes the provider's current state; a change of status is told
        (``SubscriptionStatusChanged``). An ended subscription stays ended."""
        if self.has_ended and status not in ENDED:
            return
        before = self.status
        if (status, cancel_at_period_end, current_period_end) == (
                self.status, self.cancel_at_period_end, self.current_period_end):
            return
        self.status, self.cancel_at_period_end = status, cancel_at_period_end
        self.current_period_end, self.updated_at = current_period_end, now
        self.version += 1
        if status != before:
            self.events.append(SubscriptionStatusChanged(self.id, self.institution_id,
                                                         before.value, status.value))
