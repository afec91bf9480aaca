from __future__ import annotations

from application.accounts.ports import AccountsUnitOfWork
from domain.accounts.events import EmailVerificationRequested
from domain.shared.errors import NotFound


class RequestEmailVerification:
    """Sends a fresh verification link to a signed-in user whose email is not verified yet."""

    def __init__(self, uow: AccountsUnitOfWork) -> None:
        self.uow = uow

    def __call__(self, user_id: str) -> bool:
        with self.uow:
            user = self.uow.users.get(user_id)
            if user is None:
                raise NotFound("no such user")
            if user.is_email_verified:
                return False
            user.events.append(EmailVerificationRequested(user_id=user.id))
            self.uow.commit()
        return True
