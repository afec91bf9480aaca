from __future__ import annotations

from dataclasses import dataclass

from application.identity.application_views import ApplicationView, describe_application
from application.identity.config import IdentityPolicy
from application.identity.ports import IdentityUnitOfWork
from application.shared.audit import Auditor
from application.shared.ports import Clock, Principal
from domain.shared.errors import Conflict, NotFound, PermissionDenied
from domain.shared.roles import Role


@dataclass(frozen=True)
class DecideTeacherApplicationCommand:
    actor: Principal
    application_id: str
    approved: bool
    reason: str = ""  # a rejection's, told to the applicant


class DecideTeacherApplication:
    """A platform admin approves a pending application (which needs a verified identity
    when the policy says so) or rejects it with a reason. After commit the applicant is
    told either way (``TeacherApproved``, ``TeacherRejected``)."""

    def __init__(self, uow: IdentityUnitOfWork, clock: Clock, policy: IdentityPolicy,
                 auditor: Auditor) -> None:
        self.uow, self.clock, self.policy, self.auditor = uow, clock, policy, auditor

    def __call__(self, cmd: DecideTeacherApplicationCommand) -> ApplicationView:
        if cmd.actor.role != Role.PLATFORM_ADMIN:
            raise PermissionDenied("only platform admins decide teacher applications")
        with self.uow:
            application = self.uow.applications.get(cmd.application_id)
            if application is None:
                raise NotFound(f"no teacher application {cmd.application_id}")
            if cmd.approved:
                verified = self.uow.verifications.latest(application.user_id)
                if self.policy.teacher_requires_identity and not (
                        verified is not None and verified.is_verified):
                    raise Conflict("the applicant has not verified their identity yet")
                application.approve(cmd.actor.user_id, self.clock.now())
            else:
                application.reject(cmd.actor.user_id, cmd.reason, self.clock.now())
            self.auditor.record(self.uow, cmd.actor.user_id,
                                f"teacher.{application.status.value}", "teacher_application",
                                application.id, user_id=application.user_id,
                                reason=cmd.reason or None)
            self.uow.commit()
            return describe_application(application)
