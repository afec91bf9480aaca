from __future__ import annotations

from dataclasses import dataclass

from application.accounts.config import AccountPolicy
from application.accounts.passwords import check_password
from application.accounts.ports import AccountsUnitOfWork, PasswordHasher, PasswordStrength
from application.shared.audit import Auditor
from application.shared.ports import Clock, IdGenerator
from domain.accounts.model import EmailAddress, User
from domain.shared.errors import Conflict
from domain.shared.locale import Locale
from domain.shared.roles import Role


@dataclass(frozen=True)
class RegisterUserCommand:
    email: str
    password: str
    full_name: str
    role: str
    locale: str = "en"  # the language messages are written in


@dataclass(frozen=True)
class RegisterUserResult:
    user_id: str
    email: str
    role: str


class RegisterUser:
    """Self-service sign-up as student, teacher or company; sends welcome and verification
    emails through the outbox."""

    def __init__(self, uow: AccountsUnitOfWork, hasher: PasswordHasher, clock: Clock,
                 ids: IdGenerator, policy: AccountPolicy, auditor: Auditor,
                 strength: PasswordStrength) -> None:
        self.uow, self.hasher, self.clock = uow, hasher, clock
        self.ids, self.policy, self.auditor = ids, policy, auditor
        self.strength = strength

    def __call__(self, cmd: RegisterUserCommand) -> RegisterUserResult:
        email = EmailAddress.parse(cmd.email)
        check_password(cmd.password, email.value, self.policy, self.strength, cmd.full_name)
        password_hash = self.hasher.hash(cmd.password)
        with self.uow:
            if self.uow.users.get_by_email(email.value) is not None:
                raise Conflict("an account with this email already exists")
            user = User.register(self.ids.new_id(), email, cmd.full_name, Role(cmd.role),
                                 password_hash, self.clock.now(),
                                 locale=Locale.parse(cmd.locale))
            self.uow.users.add(user)
            self.auditor.record(self.uow, user.id, "user.registered", "user", user.id,
                                role=user.role.value)
            self.uow.commit()
        return RegisterUserResult(user.id, user.email, user.role.value)
