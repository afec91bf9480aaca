from __future__ import annotations

from dataclasses import dataclass

from application.accounts.ports import AccountsUnitOfWork, OneTimeTokens
from application.shared.audit import Auditor
from application.shared.ports import Clock
from domain.shared.errors import InvalidToken

VERIFY_EMAIL = "verify_email"


@dataclass(frozen=True)
class VerifyEmailCommand:
    token: str


@dataclass(frozen=True)
class VerifyEmailResult:
    user_id: str


class VerifyEmail:
    def __init__(self, uow: AccountsUnitOfWork, tokens: OneTimeTokens, clock: Clock,
                 auditor: Auditor) -> None:
        self.uow, self.tokens, self.clock, self.auditor = uow, tokens, clock, auditor

    def __call__(self, cmd: VerifyEmailCommand) -> VerifyEmailResult:
        claims = self.tokens.read(VERIFY_EMAIL, cmd.token)
        with self.uow:
            user = self.uow.users.get(claims.user_id)
            if user is None or not self.uow.used_tokens.consume(
                    claims.token_id, VERIFY_EMAIL, self.clock.now()):
                raise InvalidToken("the link was already used or is not valid")
            user.verify_email(self.clock.now())
            self.auditor.record(self.uow, user.id, "email.verified", "user", user.id)
            self.uow.commit()
        return VerifyEmailResult(user.id)
