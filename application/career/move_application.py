from __future__ import annotations

from dataclasses import dataclass

from application.career.ports import CareerUnitOfWork
from application.shared.audit import Auditor
from application.shared.ports import Clock, Principal
from domain.career.applications import ApplicationStatus, JobApplication
from domain.shared.errors import NotFound


@dataclass(frozen=True)
class MoveApplicationCommand:
    actor: Principal
    application_id: str
    status: ApplicationStatus


class MoveApplication:
    """The company moves an application on (reviewing, interview, offered, hired or
    rejected); the student is told after commit (``ApplicationStatusChanged``). Another
    company's application is unknown to it."""

    def __init__(self, uow: CareerUnitOfWork, clock: Clock, auditor: Auditor) -> None:
        self.uow, self.clock, self.auditor = uow, clock, auditor

    def __call__(self, cmd: MoveApplicationCommand) -> JobApplication:
        with self.uow:
            application = self.uow.applications.get(cmd.application_id)
            if application is None or application.company_id != cmd.actor.user_id:
                raise NotFound("no such application")
            if application.move(cmd.actor.user_id, cmd.status, self.clock.now()):
                self.auditor.record(self.uow, cmd.actor.user_id, "career.application_moved",
                                    "job_application", application.id,
                                    status=cmd.status.value)
                self.uow.commit()
            return application
