from __future__ import annotations

from dataclasses import dataclass

from application.institutions.ports import InstitutionsUnitOfWork
from application.shared.audit import Auditor
from application.shared.ports import Clock, Principal
from domain.institutions.activity import Activity, ActivityKind
from domain.shared.errors import InvalidState, NotFound
from domain.shared.roles import Role


@dataclass(frozen=True)
class AssignAdminCommand:
    actor: Principal
    institution_id: str
    user_id: str
    assigned: bool = True  # False: removes them


class AssignInstitutionAdmin:
    """A platform admin makes a user with the institution_admin role the admin of one
    institution (of at most one: assigning moves them), or removes them."""

    def __init__(self, uow: InstitutionsUnitOfWork, clock: Clock, auditor: Auditor) -> None:
        self.uow, self.clock, self.auditor = uow, clock, auditor

    def __call__(self, cmd: AssignAdminCommand) -> None:
        with self.uow:
            institution = self.uow.institutions.get(cmd.institution_id)
            person = self.uow.people.contact(cmd.user_id)
            if institution is None or person is None:
                raise NotFound("no such institution or user")
            if cmd.assigned:
                if person.role != Role.INSTITUTION_ADMIN:
                    raise InvalidState("only a user with the institution_admin role runs an "
                                       "institution")
                self.uow.admins.assign(cmd.user_id, institution.id)
            elif not self.uow.admins.remove(cmd.user_id, institution.id):
                raise NotFound("that user is no admin of this institution")
            kind = ActivityKind.ADMIN_ASSIGNED if cmd.assigned else ActivityKind.ADMIN_REMOVED
            self.uow.activity.add_once(Activity(
                f"{kind.value}:{institution.id}:{cmd.user_id}:{self.clock.now().isoformat()}",
                institution.id, kind, "Admin assigned" if cmd.assigned else "Admin removed",
                cmd.actor.user_id, self.clock.now(), {"user_id": cmd.user_id}))
            self.auditor.record(self.uow, cmd.actor.user_id, f"institutions.{kind.value}",
                                "institution", institution.id, user_id=cmd.user_id)
            self.uow.commit()
