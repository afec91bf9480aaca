from __future__ import annotations

from dataclasses import dataclass

from application.identity.application_views import ApplicationView, describe_application
from application.identity.ports import IdentityUnitOfWork
from application.shared.ports import Principal
from domain.shared.errors import NotFound


@dataclass(frozen=True)
class GetTeacherApplicationQuery:
    actor: Principal


class GetTeacherApplication:
    """The caller's teacher application: pending, approved, or rejected and why."""

    def __init__(self, uow: IdentityUnitOfWork) -> None:
        self.uow = uow

    def __call__(self, query: GetTeacherApplicationQuery) -> ApplicationView:
        with self.uow:
            application = self.uow.applications.of_user(query.actor.user_id)
            if application is None:
                raise NotFound("you have no teacher application")
            return describe_application(application)
