"""A person marks one of their notifications read (again: no change)."""

from __future__ import annotations

from dataclasses import dataclass

from application.messaging.ports import MessagingUnitOfWork
from application.shared.ports import Clock, Principal
from domain.messaging.model import Notification
from domain.shared.errors import NotFound


@dataclass(frozen=True)
class ReadNotificationCommand:
    actor: Principal
    notification_id: str


class ReadNotification:
    def __init__(self, uow: MessagingUnitOfWork, clock: Clock) -> None:
        self.uow, self.clock = uow, clock

    def __call__(self, cmd: ReadNotificationCommand) -> Notification:
        with self.uow:
            found = self.uow.inbox.get(cmd.notification_id)
            if found is None or found.user_id != cmd.actor.user_id:
                raise NotFound("no such notification")  # another's is not even acknowledged
            if found.read(self.clock.now()):
                self.uow.commit()
            return found
