from __future__ import annotations

from dataclasses import dataclass

from application.accounts.config import AccountPolicy
from application.accounts.passwords import check_password
from application.accounts.ports import (
    AccountsUnitOfWork,
    OneTimeTokens,
    PasswordHasher,
    PasswordStrength,
)
from application.shared.audit import Auditor
from application.shared.ports import Clock
from domain.shared.errors import InvalidToken

RESET_PASSWORD = "reset_password"  # noqa: S105 - a token purpose, not a password


@dataclass(frozen=True)
class ResetPasswordCommand:
    token: str
    new_password: str


class ResetPassword:
    """Sets a new password from a reset link and ends every session of the account."""

    def __init__(self, uow: AccountsUnitOfWork, tokens: OneTimeTokens, hasher: PasswordHasher,
                 clock: Clock, policy: AccountPolicy, auditor: Auditor,
                 strength: PasswordStrength) -> None:
        self.uow, self.tokens, self.hasher = uow, tokens, hasher
        self.clock, self.policy, self.auditor = clock, policy, auditor
        self.strength = strength

    def __call__(self, cmd: ResetPasswordCommand) -> None:
        claims = self.tokens.read(RESET_PASSWORD, cmd.token)
        with self.uow:
            user = self.uow.users.get(claims.user_id)
            if user is None:
                raise InvalidToken("the link is not valid")
            if user.predates_password(claims.issued_at):
                # Every link sent before the password last changed died with that change.
                raise InvalidToken("the link is older than your current password; ask for a "
                                   "new one")
            check_password(cmd.new_password, user.email, self.policy, self.strength,
                           user.full_name, field="new_password")
            now = self.clock.now()
            if not self.uow.used_tokens.consume(claims.token_id, RESET_PASSWORD, now):
                raise InvalidToken("the link was already used; ask for a new one")
            user.change_password(self.hasher.hash(cmd.new_password), now)
            self.uow.refresh_tokens.revoke_user(user.id, now)
            self.auditor.record(self.uow, user.id, "password.reset", "user", user.id)
            self.uow.commit()
