from __future__ import annotations

from dataclasses import dataclass

from application.accounts.ports import AccountsUnitOfWork
from application.accounts.published import TeacherRegistered
from application.shared.audit import Auditor
from application.shared.ports import Clock, Principal
from domain.shared.errors import NotFound, PermissionDenied
from domain.shared.roles import Role


@dataclass(frozen=True)
class ChangeRoleCommand:
    actor: Principal
    user_id: str
    role: str


@dataclass(frozen=True)
class ChangeRoleResult:
    user_id: str
    role: str


class ChangeRole:
    """Platform admins grant and withdraw roles; nobody changes their own."""

    def __init__(self, uow: AccountsUnitOfWork, clock: Clock, auditor: Auditor) -> None:
        self.uow, self.clock, self.auditor = uow, clock, auditor

    def __call__(self, cmd: ChangeRoleCommand) -> ChangeRoleResult:
        if cmd.actor.role != Role.PLATFORM_ADMIN:
            raise PermissionDenied("only platform admins change roles")
        if cmd.actor.user_id == cmd.user_id:
            raise PermissionDenied("admins cannot change their own role")
        new_role = Role(cmd.role)
        with self.uow:
            user = self.uow.users.get(cmd.user_id)
            if user is None:
                raise NotFound("no such user")
            old_role = user.role
            user.change_role(new_role)
            if new_role is Role.TEACHER and old_role is not Role.TEACHER:
                self.uow.publish(TeacherRegistered(user_id=user.id))
            self.uow.refresh_tokens.revoke_user(user.id, self.clock.now())
            self.auditor.record(self.uow, cmd.actor.user_id, "user.role_changed", "user", user.id,
                                old_role=old_role.value, new_role=new_role.value)
            self.uow.commit()
        return ChangeRoleResult(user.id, new_role.value)
