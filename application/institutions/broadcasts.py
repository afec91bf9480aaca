"""Reading broadcasts and how each delivery went, for platform admins."""

from __future__ import annotations

from dataclasses import dataclass

from application.institutions.ports import InstitutionsUnitOfWork
from domain.institutions.broadcasts import Broadcast, BroadcastDelivery
from domain.shared.errors import NotFound


@dataclass(frozen=True)
class BroadcastView:
    broadcast: Broadcast
    deliveries: list[BroadcastDelivery]


class GetBroadcast:
    def __init__(self, uow: InstitutionsUnitOfWork) -> None:
        self.uow = uow

    def __call__(self, broadcast_id: str) -> BroadcastView:
        with self.uow.reading():
            found = self.uow.broadcasts.get(broadcast_id)
            if found is None:
                raise NotFound("no such broadcast")
            return BroadcastView(found, self.uow.deliveries.of_broadcast(found.id))


class ListBroadcasts:
    def __init__(self, uow: InstitutionsUnitOfWork) -> None:
        self.uow = uow

    def __call__(self, limit: int = 50) -> list[Broadcast]:
        with self.uow.reading():
            return self.uow.broadcasts.latest(limit)
