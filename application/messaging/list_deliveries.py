"""Platform admins read the delivery log: what was sent to whom, and what became of it."""

from __future__ import annotations

from dataclasses import dataclass

from application.messaging.ports import MessagingUnitOfWork
from application.shared.ports import Principal
from domain.messaging.model import Delivery, DeliveryStatus
from domain.shared.errors import InvalidValue, PermissionDenied
from domain.shared.roles import Role


@dataclass(frozen=True)
class ListDeliveriesQuery:
    actor: Principal
    recipient: str | None = None
    status: str | None = None
    limit: int = 100


class ListDeliveries:
    def __init__(self, uow: MessagingUnitOfWork) -> None:
        self.uow = uow

    def __call__(self, query: ListDeliveriesQuery) -> list[Delivery]:
        if query.actor.role != Role.PLATFORM_ADMIN:
            raise PermissionDenied("only platform admins read the delivery log")
        if query.status and query.status not in DeliveryStatus._value2member_map_:
            raise InvalidValue(f"status is one of: {', '.join(DeliveryStatus)}")
        with self.uow:
            return self.uow.deliveries.search(query.recipient, query.status, query.limit)
