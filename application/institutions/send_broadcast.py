from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from application.institutions.ports import InstitutionsUnitOfWork
from application.shared.audit import Auditor
from application.shared.ports import Clock, IdGenerator, Principal
from domain.institutions.broadcasts import Broadcast, BroadcastDelivery
from domain.institutions.events import BroadcastDue

BATCH = 500


@dataclass(frozen=True)
class BroadcastCommand:
    actor: Principal
    kind: str
    title: str
    message: str
    scheduled_at: datetime | None = None


class SendBroadcast:
    """A platform admin broadcasts to every active institution: one delivery each, made
    after commit (``DeliverBroadcast``, retried with backoff) with its admins told by email
    and in the app (``TellAdminsOfBroadcast``)."""

    def __init__(self, uow: InstitutionsUnitOfWork, clock: Clock, ids: IdGenerator,
                 auditor: Auditor) -> None:
        self.uow, self.clock, self.ids, self.auditor = uow, clock, ids, auditor

    def __call__(self, cmd: BroadcastCommand) -> Broadcast:
        now = self.clock.now()
        broadcast = Broadcast(self.ids.new_id(), cmd.kind, cmd.title, cmd.message,
                              cmd.scheduled_at, now, cmd.actor.user_id)
        with self.uow:
            self.uow.broadcasts.add(broadcast)
            after = ""
            while institutions := self.uow.institutions.active_after(after, BATCH):
                for institution in institutions:
                    delivery = BroadcastDelivery.due(self.ids.new_id(), broadcast.id,
                                                     institution.id, institution.webhook_url,
                                                     now)
                    self.uow.deliveries.add(delivery)
                    self.uow.publish(BroadcastDue(broadcast.id, delivery.id))
                after = institutions[-1].id
            self.auditor.record(self.uow, cmd.actor.user_id, "institutions.broadcast",
                                "broadcast", broadcast.id)
            self.uow.commit()
        return broadcast
