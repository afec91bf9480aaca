from __future__ import annotations

from dataclasses import dataclass

from application.accounts.config import AccountPolicy
from application.accounts.passwords import check_password
from application.accounts.ports import AccountsUnitOfWork, PasswordHasher, PasswordStrength
from application.shared.audit import Auditor
from application.shared.ports import Clock, IdGenerator
from domain.accounts.model import EmailAddress, User
from domain.shared.errors import Conflict
from domain.shared.roles import Role


@dataclass(frozen=True)
class CreateAdminCommand:
    email: str
    password: str
    full_name: str


@dataclass(frozen=True)
class CreateAdminResult:
    user_id: str


class CreateAdmin:
    """Creates a verified platform admin; only operators reach it (`eduport users create-admin`)."""

    def __init__(self, uow: AccountsUnitOfWork, hasher: PasswordHasher, clock: Clock,
                 ids: IdGenerator,
                 policy: AccountPolicy, auditor: Auditor,
                 strength: PasswordStrength) -> None:
        self.uow, self.hasher, self.clock = uow, hasher, clock
        self.ids, self.policy, self.auditor = ids, policy, auditor
        self.strength = strength

    def __call__(self, cmd: CreateAdminCommand) -> CreateAdminResult:
        email = EmailAddress.parse(cmd.email)
        check_password(cmd.password, email.value, self.policy, self.strength,
                       cmd.full_name)
        with self.uow:
            if self.uow.users.get_by_email(email.value) is not None:
                raise Conflict("an account with this email already exists")
            now = self.clock.now()
            admin = User.register(self.ids.new_id(), email, cmd.full_name, Role.PLATFORM_ADMIN,
                                  self.hasher.hash(cmd.password), now, self_service=False)
            admin.verify_email(now)
            self.uow.users.add(admin)
            self.auditor.record(self.uow, None, "user.admin_created", "user", admin.id)
            self.uow.commit()
        return CreateAdminResult(admin.id)
