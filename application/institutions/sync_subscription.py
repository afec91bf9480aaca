"""Stripe's ``customer.subscription.created|updated|deleted`` (through the shared inbox, on
the billing endpoint): whatever order they come in, and however often, the subscription is
fetched from Stripe and our copy takes its current state."""

from __future__ import annotations

from application.institutions.ports import InstitutionsUnitOfWork, SubscriptionSource
from application.shared.ports import Clock, WebhookEvent
from domain.institutions.subscriptions import Subscription, SubscriptionStatus

EVENTS = frozenset({"customer.subscription.created", "customer.subscription.updated",
                    "customer.subscription.deleted"})


class SyncSubscription:
    def __init__(self, uow: InstitutionsUnitOfWork, source: SubscriptionSource,
                 clock: Clock) -> None:
        self.uow, self.source, self.clock = uow, source, clock

    def __call__(self, event: WebhookEvent) -> str:
        obj = (event.payload.get("data") or {}).get("object") or {}
        if event.event_type not in EVENTS or not isinstance(obj.get("id"), str):
            return "ignored"
        state = self.source.fetch(obj["id"])
        with self.uow:
            found = self.uow.subscriptions.get(state.provider_id)
            if found is None:
                institution = self.uow.institutions.get(state.institution_id or "")
                if institution is None:
                    return "ignored: not an institution's subscription"
                # Made by our request whose answer was lost, or in Stripe's dashboard.
                found = Subscription(state.provider_id, institution.id, "stripe",
                                     institution.plan, SubscriptionStatus(state.status),
                                     state.cancel_at_period_end, state.current_period_end,
                                     self.clock.now())
                self.uow.subscriptions.add(found)
            else:
                found.sync(SubscriptionStatus(state.status), state.cancel_at_period_end,
                           state.current_period_end, self.clock.now())
            self.uow.commit()
        return f"subscription {found.status.value}"
