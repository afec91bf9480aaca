from __future__ import annotations

from dataclasses import dataclass

from application.accounts.ports import AccountsUnitOfWork
from domain.accounts.events import PasswordResetRequested
from domain.accounts.model import EmailAddress
from domain.shared.errors import InvalidValue


@dataclass(frozen=True)
class RequestPasswordResetCommand:
    email: str


class RequestPasswordReset:
    """Emails a reset link when the account exists. The answer is the same either way, so the
    endpoint cannot be used to find out which emails have accounts."""

    def __init__(self, uow: AccountsUnitOfWork) -> None:
        self.uow = uow

    def __call__(self, cmd: RequestPasswordResetCommand) -> None:
        try:
            email = EmailAddress.parse(cmd.email).value
        except InvalidValue:
            return
        with self.uow:
            user = self.uow.users.get_by_email(email)
            if user is not None:
                user.events.append(PasswordResetRequested(user_id=user.id))
                self.uow.commit()
