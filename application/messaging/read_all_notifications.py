"""A person marks every notification of theirs read."""

from __future__ import annotations

from application.messaging.ports import MessagingUnitOfWork
from application.shared.ports import Clock, Principal


class ReadAllNotifications:
    def __init__(self, uow: MessagingUnitOfWork, clock: Clock) -> None:
        self.uow, self.clock = uow, clock

    def __call__(self, actor: Principal) -> int:
        with self.uow:
            changed = self.uow.inbox.read_all(actor.user_id, self.clock.now())
            self.uow.commit()
        return changed
