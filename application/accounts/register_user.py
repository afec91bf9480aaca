from __future__ import annotations

from dataclasses import dataclass

from application.accounts.config import AccountPolicy
from application.accounts.passwords import check_password
from application.accounts.ports import AccountsUnitOfWork, PasswordHasher, PasswordStrength
from application.accounts.published import TeacherRegistered
from application.shared.audit import Auditor
from application.shared.ports import Clock, IdGenerator
from domain.accounts.events import SignUpRepeated
from domain.accounts.model import SELF_SERVICE_ROLES, EmailAddress, User
from domain.shared.errors import PermissionDenied
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
    """The same for a new address and for one that has an account already."""

    email: str
    role: str


class RegisterUser:
    """Self-service sign-up as student, teacher or company; sends welcome and verification
    emails through the outbox. An address that has an account already gets the same answer
    (and its owner an email): the answer never tells which addresses have accounts."""

    def __init__(self, uow: AccountsUnitOfWork, hasher: PasswordHasher, clock: Clock,
                 ids: IdGenerator, policy: AccountPolicy, auditor: Auditor,
                 strength: PasswordStrength) -> None:
        self.uow, self.hasher, self.clock = uow, hasher, clock
        self.ids, self.policy, self.auditor = ids, policy, auditor
        self.strength = strength

    def __call__(self, cmd: RegisterUserCommand) -> RegisterUserResult:
        email = EmailAddress.parse(cmd.email)
        role = Role(cmd.role)
        if role not in SELF_SERVICE_ROLES:  # before the address is looked up, for everyone
            raise PermissionDenied(f"the role {role.value} cannot be chosen at registration")
        check_password(cmd.password, email.value, self.policy, self.strength, cmd.full_name)
        password_hash = self.hasher.hash(cmd.password)
        with self.uow:
            existing = self.uow.users.get_by_email(email.value)
            if existing is not None:
                # Answered as any sign-up is, so nobody learns the address has an account;
                # its owner is told by email, after the answer.
                existing.events.append(SignUpRepeated(user_id=existing.id))
                self.auditor.record(self.uow, None, "user.sign_up_repeated", "user",
                                    existing.id)
                self.uow.commit()
                return RegisterUserResult(email.value, role.value)
            user = User.register(self.ids.new_id(), email, cmd.full_name, role,
                                 password_hash, self.clock.now(),
                                 locale=Locale.parse(cmd.locale))
            self.uow.users.add(user)
            if user.role is Role.TEACHER:
                self.uow.publish(TeacherRegistered(user_id=user.id))
            self.auditor.record(self.uow, user.id, "user.registered", "user", user.id,
                                role=user.role.value)
            self.uow.commit()
        return RegisterUserResult(user.email, user.role.value)
