from __future__ import annotations

from application.institutions.institutions import visible_institution
from application.institutions.ports import BillingSubscriptions, InstitutionsUnitOfWork
from application.shared.ports import Clock, Principal
from domain.institutions.subscriptions import Subscription, SubscriptionStatus
from domain.shared.errors import NotFound


class CancelSubscription:
    """Cancels the institution's subscription now, or at the end of the period paid for."""

    def __init__(self, uow: InstitutionsUnitOfWork, subscriptions: BillingSubscriptions,
                 clock: Clock) -> None:
        self.uow, self.subscriptions, self.clock = uow, subscriptions, clock

    def __call__(self, actor: Principal, at_period_end: bool,
                 institution_id: str | None = None) -> Subscription:
        with self.uow.reading():
            institution = visible_institution(self.uow, actor, institution_id)
            current = self.uow.subscriptions.current_of(institution.id)
        if current is None or current.has_ended:
            raise NotFound("the institution has no subscription to cancel")
        state = self.subscriptions.cancel(current.id, at_period_end)
        with self.uow:
            found = self.uow.subscriptions.get(current.id)
            if found is None:
                raise NotFound("the institution has no subscription to cancel")
            found.sync(SubscriptionStatus(state.status), state.cancel_at_period_end,
                       state.current_period_end or found.current_period_end, self.clock.now())
            self.uow.commit()
        return found
