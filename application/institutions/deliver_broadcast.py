"""A broadcast's delivery to one institution's portal (an outbox handler on
``BroadcastDue``): a signed POST; a failure is recorded on the delivery and retried with the
outbox's backoff, until every retry is spent and the delivery has failed."""

from __future__ import annotations

from application.institutions.ports import InstitutionsUnitOfWork, InstitutionWebhooks
from application.shared.config import LeasePolicy
from application.shared.errors import DeliveryFailed
from application.shared.leases import describe
from application.shared.ports import Clock
from domain.institutions.events import BroadcastDue
from domain.shared.events import Event


class DeliverBroadcast:
    def __init__(self, uow: InstitutionsUnitOfWork, webhooks: InstitutionWebhooks,
                 policy: LeasePolicy, clock: Clock) -> None:
        self.uow, self.webhooks, self.policy, self.clock = uow, webhooks, policy, clock

    def __call__(self, event: Event, idempotency_key: str) -> None:
        if not isinstance(event, BroadcastDue):
            raise TypeError(f"DeliverBroadcast handles broadcasts, not {event.name}")
        with self.uow.reading():
            delivery = self.uow.deliveries.get(event.delivery_id)
            broadcast = self.uow.broadcasts.get(event.broadcast_id)
            institution = self.uow.institutions.get(delivery.institution_id) if delivery \
                else None
        if delivery is None or broadcast is None or institution is None or delivery.is_done:
            return
        try:
            self.webhooks.send(delivery.endpoint or "", institution.signing_secret, delivery.id,
                               f"broadcast.{broadcast.kind}", {
                                   "broadcast_id": broadcast.id, "title": broadcast.title,
                                   "message": broadcast.message,
                                   "scheduled_at": broadcast.scheduled_at.isoformat()
                                   if broadcast.scheduled_at else None})
        except DeliveryFailed as error:
            if self._settle(event.delivery_id, describe(error)):
                raise
            return
        self._settle(event.delivery_id, None)

    def _settle(self, delivery_id: str, error: str | None) -> bool:
        """Records the attempt: True when a failed one has a retry left."""
        with self.uow:
            delivery = self.uow.deliveries.get(delivery_id)
            if delivery is None or delivery.is_done:
                return False
            if error is None:
                delivery.delivered(self.clock.now())
                retry = False
            else:
                retry = delivery.failed(error, self.clock.now(),
                                        len(self.policy.retry_backoff) + 1)
            self.uow.commit()
        return retry
