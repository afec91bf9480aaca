from __future__ import annotations

from dataclasses import dataclass

from application.accounts.config import AccountPolicy
from application.accounts.ports import (
    AccessTokens,
    AccountsUnitOfWork,
    PasswordHasher,
)
from application.accounts.sessions import SessionTokens, start_refresh_family
from application.shared.audit import Auditor
from application.shared.ports import Clock, IdGenerator
from domain.accounts.model import EmailAddress
from domain.accounts.throttle import attempts_key
from domain.shared.errors import AuthenticationFailed, InvalidValue


@dataclass(frozen=True)
class LogInCommand:
    email: str
    password: str


class LogIn:
    """Checks the password in constant work whether or not the email exists. After a few
    failures on one address each next attempt waits twice as long (``LoginAttempts``),
    whichever client address it comes from."""

    def __init__(self, uow: AccountsUnitOfWork, hasher: PasswordHasher, tokens: AccessTokens,
                 clock: Clock, ids: IdGenerator, policy: AccountPolicy, auditor: Auditor) -> None:
        self.uow, self.hasher, self.tokens, self.clock = uow, hasher, tokens, clock
        self.ids, self.policy, self.auditor = ids, policy, auditor

    def __call__(self, cmd: LogInCommand) -> SessionTokens:
        try:
            email = EmailAddress.parse(cmd.email).value
        except InvalidValue:
            email = ""
        now, key = self.clock.now(), attempts_key(email or cmd.email)
        with self.uow:
            # Before any hash is spent; the same for addresses with and without an account.
            attempts = self.uow.login_attempts.get(key)
            attempts.ensure_may_try(now)
            user = self.uow.users.get_by_email(email) if email else None
            if user is None:
                self.hasher.verify_decoy(cmd.password)
            if user is None or not self.hasher.verify(user.password_hash, cmd.password):
                self.uow.login_attempts.save(attempts.after_failure(now))
                self.auditor.record(self.uow, user.id if user else None, "login.failed", "user",
                                    user.id if user else None)
                self.uow.commit()
                raise AuthenticationFailed("the email or the password is wrong")
            if attempts.failures:
                self.uow.login_attempts.clear(key)
            if self.hasher.needs_rehash(user.password_hash):
                user.password_hash = self.hasher.hash(cmd.password)
            refresh = start_refresh_family(self.uow, self.ids, self.clock, self.policy, user.id)
            self.auditor.record(self.uow, user.id, "login.succeeded", "user", user.id)
            self.uow.commit()
        access = self.tokens.issue(user.id, user.role.value)
        return SessionTokens(access.token, access.expires_in, refresh, user.id, user.role.value)
