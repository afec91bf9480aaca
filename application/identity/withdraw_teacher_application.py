from __future__ import annotations

from dataclasses import dataclass

from application.identity.application_views import ApplicationView, describe_application
from application.identity.ports import IdentityUnitOfWork
from application.shared.audit import Auditor
from application.shared.ports import Clock, Principal
from domain.shared.errors import NotFound


@dataclass(frozen=True)
class WithdrawTeacherApplicationCommand:
    actor: Principal


class WithdrawTeacherApplication:
    """The applicant withdraws a pending application (and may submit it again later)."""

    def __init__(self, uow: IdentityUnitOfWork, clock: Clock, auditor: Auditor) -> None:
        self.uow, self.clock, self.auditor = uow, clock, auditor

    def __call__(self, cmd: WithdrawTeacherApplicationCommand) -> ApplicationView:
        with self.uow:
            application = self.uow.applications.of_user(cmd.actor.user_id)
            if application is None:
                raise NotFound("you have no teacher application")
            application.withdraw(self.clock.now())
            self.auditor.record(self.uow, cmd.actor.user_id, "teacher.withdrew",
                                "teacher_application", application.id)
            self.uow.commit()
            return describe_application(application)
