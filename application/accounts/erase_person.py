"""A person's data is erased (GDPR Art. 17), by themselves with their password or by a platform
admin: every area's section in one transaction, so it happens entirely or not at all. What
vendors and the file store must forget follows after the commit, through the outbox."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from application.accounts.personal_data import PrivacyUnitOfWork, person_of
from application.accounts.ports import PasswordHasher
from application.shared.audit import Auditor
from application.shared.ports import Clock, Principal
from domain.accounts.model import User
from domain.accounts.throttle import attempts_key
from domain.shared.errors import NotFound, PermissionDenied
from domain.shared.roles import Role


@dataclass(frozen=True)
class ErasePersonCommand:
    actor: Principal
    user_id: str
    password: str | None = None  # needed when the actor erases themselves


@dataclass(frozen=True)
class ErasePersonResult:
    user_id: str
    erased_at: datetime
    again: bool  # erased before: this run swept what arrived since


class ErasePerson:
    """Idempotent: erasing an erased person again sweeps anything that arrived since and
    answers the same. A wrong password changes nothing but the failed sign-ins it counts
    (with the sign-in's own, so guessing here is as slow as there)."""

    def __init__(self, uow: PrivacyUnitOfWork, hasher: PasswordHasher, clock: Clock,
                 auditor: Auditor) -> None:
        self.uow, self.hasher, self.clock, self.auditor = uow, hasher, clock, auditor

    def __call__(self, cmd: ErasePersonCommand) -> ErasePersonResult:
        own = cmd.actor.user_id == cmd.user_id
        if not own and cmd.actor.role != Role.PLATFORM_ADMIN:
            raise PermissionDenied("only platform admins erase other people's data")
        now = self.clock.now()
        with self.uow:
            user = self.uow.users.get(cmd.user_id)
            if user is None:
                raise NotFound("no such user")
            if own:
                self._check_password(user, cmd.password)
            again, person = user.is_erased, person_of(user)
            # Recorded first: the sections then strip the person's own address from it too.
            self.auditor.record(self.uow, cmd.actor.user_id, "personal_data.erased", "user",
                                user.id, again=again)
            for section in self.uow.personal_data:
                for event in section.erase(person, now):
                    self.uow.publish(event)
            self.uow.commit()
        return ErasePersonResult(user.id, user.erased_at or now, again)

    def _check_password(self, user: User, password: str | None) -> None:
        now, key = self.clock.now(), attempts_key(user.email)
        attempts = self.uow.login_attempts.get(key)
        attempts.ensure_may_try(now)
        if password is None:
            raise PermissionDenied("erasing your own account needs your password")
        if not self.hasher.verify(user.password_hash, password):
            self.uow.login_attempts.save(attempts.after_failure(now))
            self.auditor.record(self.uow, user.id, "personal_data.erasure_refused", "user",
                                user.id)
            self.uow.commit()
            raise PermissionDenied("the password is wrong; nothing was erased")
