from __future__ import annotations

from datetime import timedelta

from application.institutions.ports import InstitutionsUnitOfWork
from application.shared.jobs import Job
from application.shared.ports import Clock
from domain.institutions.subscriptions import SubscriptionStatus, next_period_end

BATCH = 500


class RollLocalSubscriptions:
    """Runs on the cron, for eduport's own billing (Stripe keeps its subscriptions' periods
    itself): a period that ended starts the next one, or ends the subscription when it was
    cancelled for the end of the period."""

    def __init__(self, uow: InstitutionsUnitOfWork, clock: Clock) -> None:
        self.uow, self.clock = uow, clock

    def __call__(self) -> int:
        now = self.clock.now()
        with self.uow:
            lapsed = self.uow.subscriptions.lapsed("local", now, BATCH)
            for subscription in lapsed:
                if subscription.cancel_at_period_end:
                    subscription.sync(SubscriptionStatus.CANCELED, True,
                                      subscription.current_period_end, now)
                else:
                    subscription.sync(SubscriptionStatus.ACTIVE, False, next_period_end(
                        subscription.current_period_end or now), now)
            self.uow.commit()
        return len(lapsed)


ROLL_LOCAL_SUBSCRIPTIONS = Job("roll_local_subscriptions", RollLocalSubscriptions,
                               every=timedelta(hours=1))
