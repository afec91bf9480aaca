from __future__ import annotations

from application.accounts.published import TeacherRegistered
from application.identity.ports import IdentityUnitOfWork
from application.shared.ports import Clock, IdGenerator
from domain.identity.teachers import TeacherApplication
from domain.shared.events import Event


class OpenTeacherApplication:
    """The handler of ``TeacherRegistered`` (after commit, from the outbox): the new teacher
    has a pending application; they may draft courses, and publish once approved. Once
    per person: a repeat, or someone who applied before, changes nothing."""

    def __init__(self, uow: IdentityUnitOfWork, clock: Clock, ids: IdGenerator) -> None:
        self.uow, self.clock, self.ids = uow, clock, ids

    def __call__(self, event: Event, idempotency_key: str) -> None:
        if not isinstance(event, TeacherRegistered):
            raise TypeError(f"OpenTeacherApplication handles TeacherRegistered, not {event.name}")
        with self.uow:
            if self.uow.applications.of_user(event.user_id) is None:
                self.uow.applications.add(TeacherApplication(self.ids.new_id(), event.user_id,
                                                             self.clock.now()))
                self.uow.commit()
