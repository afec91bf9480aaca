from __future__ import annotations

from dataclasses import dataclass

from application.identity.application_views import ApplicationView, describe_application
from application.identity.ports import IdentityUnitOfWork
from application.shared.audit import Auditor
from application.shared.ports import Clock, IdGenerator, Principal
from domain.identity.teachers import TeacherApplication
from domain.shared.errors import PermissionDenied
from domain.shared.roles import Role


@dataclass(frozen=True)
class ChangeTeacherApplicationCommand:
    actor: Principal
    headline: str
    bio: str


class ChangeTeacherApplication:
    """A teacher describes themselves for the admins who decide. A rejected or withdrawn
    application is submitted again, a rejected one only with a changed profile."""

    def __init__(self, uow: IdentityUnitOfWork, clock: Clock, ids: IdGenerator,
                 auditor: Auditor) -> None:
        self.uow, self.clock, self.ids, self.auditor = uow, clock, ids, auditor

    def __call__(self, cmd: ChangeTeacherApplicationCommand) -> ApplicationView:
        if cmd.actor.role != Role.TEACHER:
            raise PermissionDenied("only teachers apply to teach")
        now = self.clock.now()
        with self.uow:
            application = self.uow.applications.of_user(cmd.actor.user_id)
            if application is None:  # its TeacherRegistered is still on its way
                application = TeacherApplication(self.ids.new_id(), cmd.actor.user_id, now)
                self.uow.applications.add(application)
            before = application.status
            application.describe(cmd.headline, cmd.bio, now)
            if application.status is not before:
                self.auditor.record(self.uow, cmd.actor.user_id, "teacher.applied",
                                    "teacher_application", application.id)
            self.uow.commit()
            return describe_application(application)
