from __future__ import annotations

from dataclasses import dataclass

from application.identity.application_views import ApplicationView, describe_application
from application.identity.ports import IdentityUnitOfWork
from application.shared.ports import Principal
from domain.identity.teachers import ApplicationStatus
from domain.shared.errors import PermissionDenied
from domain.shared.roles import Role


@dataclass(frozen=True)
class ListTeacherApplicationsQuery:
    actor: Principal
    status: ApplicationStatus = ApplicationStatus.PENDING
    limit: int = 100


class ListTeacherApplications:
    """Platform admins: teacher applications in one status, the longest waiting first."""

    def __init__(self, uow: IdentityUnitOfWork) -> None:
        self.uow = uow

    def __call__(self, query: ListTeacherApplicationsQuery) -> list[ApplicationView]:
        if query.actor.role != Role.PLATFORM_ADMIN:
            raise PermissionDenied("only platform admins decide teacher applications")
        with self.uow:
            return [describe_application(a) for a in
                    self.uow.applications.with_status(query.status, query.limit)]
