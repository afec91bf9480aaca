from __future__ import annotations

from dataclasses import dataclass

from application.institutions.config import InstitutionsPolicy
from application.institutions.institutions import visible_institution
from application.institutions.ports import BillingSubscriptions, InstitutionsUnitOfWork
from application.shared.ports import Clock, Principal
from domain.institutions.subscriptions import Subscription, SubscriptionStatus
from domain.shared.errors import Conflict, InvalidState


@dataclass(frozen=True)
class Subscribed:
    subscription: Subscription
    client_secret: str | None  # for the client to pay the first invoice (None: nothing due)
    amount_due: int | None  # minor units of ``currency``
    currency: str | None


class Subscribe:
    """An institution's admin (or a platform admin) subscribes it to its plan at the
    provider's price; the first invoice is left for the client to pay. An institution has
    one subscription at a time; a retried request finds the same one."""

    def __init__(self, uow: InstitutionsUnitOfWork, subscriptions: BillingSubscriptions,
                 policy: InstitutionsPolicy, clock: Clock) -> None:
        self.uow, self.subscriptions, self.policy, self.clock = (uow, subscriptions, policy,
                                                                 clock)

    def __call__(self, actor: Principal, institution_id: str | None = None) -> Subscribed:
        with self.uow.reading():
            institution = visible_institution(self.uow, actor, institution_id)
            current = self.uow.subscriptions.current_of(institution.id)
        if not institution.is_active or institution.billing_customer_id is None:
            raise InvalidState("the institution is deactivated, or its billing customer is "
                               "not made yet; try again in a moment")
        if current is not None and not current.has_ended:
            raise Conflict("the institution is subscribed already; cancel that first")
        price = self.policy.price_of(institution.plan)
        # One subscription per institution and predecessor: a retry sends the same key.
        state = self.subscriptions.subscribe(
            institution.billing_customer_id, price, institution.id,
            f"institution-subscription:{institution.id}:{current.id if current else 'first'}")
        subscription = Subscription(state.provider_id, institution.id,
                                    self.subscriptions.provider, institution.plan,
                                    SubscriptionStatus(state.status), state.cancel_at_period_end,
                                    state.current_period_end, self.clock.now())
        with self.uow:
            if self.uow.subscriptions.get(subscription.id) is None:
                self.uow.subscriptions.add(subscription)
                self.uow.commit()
        return Subscribed(subscription, state.client_secret, state.amount_due, state.currency)
