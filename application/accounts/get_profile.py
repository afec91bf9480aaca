from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from application.accounts.ports import AccountsUnitOfWork
from domain.shared.errors import NotFound


@dataclass(frozen=True)
class Profile:
    user_id: str
    email: str
    full_name: str
    role: str
    email_verified: bool
    created_at: datetime


class GetProfile:
    def __init__(self, uow: AccountsUnitOfWork) -> None:
        self.uow = uow

    def __call__(self, user_id: str) -> Profile:
        with self.uow:
            user = self.uow.users.get(user_id)
            if user is None:
                raise NotFound("no such user")
            return Profile(user.id, user.email, user.full_name, user.role.value,
                           user.is_email_verified, user.created_at)
