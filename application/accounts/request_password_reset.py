from __future__ import annotations

from dataclasses import dataclass

from application.accounts.ports import AccountsUnitOfWork
from application.shared.audit import Auditor
from domain.accounts.events import PasswordResetRequested
from domain.accounts.model import EmailAddress
from domain.shared.errors import InvalidValue


@dataclass(frozen=True)
class RequestPasswordResetCommand:
    email: str


class RequestPasswordReset:
    """Emails a reset link when the account exists. The answer is the same either way, and
    so is the work before it (one audited commit, without even looking the address up: that
    and the email happen after the answer, through the outbox), so neither the answer nor
    its timing tells which emails have accounts."""

    def __init__(self, uow: AccountsUnitOfWork, auditor: Auditor) -> None:
        self.uow, self.auditor = uow, auditor

    def __call__(self, cmd: RequestPasswordResetCommand) -> None:
        try:
            email = EmailAddress.parse(cmd.email).value
        except InvalidValue:
            return
        with self.uow:
            self.uow.publish(PasswordResetRequested(email=email))
            self.auditor.record(self.uow, None, "password_reset.requested", "user", None)
            self.uow.commit()
