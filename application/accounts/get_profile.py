from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from application.accounts.ports import AccountsUnitOfWork
from application.messaging.published import MailDeliverability
from domain.accounts.model import User
from domain.shared.errors import NotFound


@dataclass(frozen=True)
class Profile:
    user_id: str
    email: str
    full_name: str
    role: str
    email_verified: bool
    created_at: datetime
    locale: str
    # Why mail no longer reaches the address (it bounced, or its owner complained).
    email_undeliverable: str | None = None


class GetProfile:
    def __init__(self, uow: AccountsUnitOfWork, deliverability: MailDeliverability) -> None:
        self.uow, self.deliverability = uow, deliverability

    def __call__(self, user_id: str) -> Profile:
        with self.uow:
            user = self.uow.users.get(user_id)
            if user is None:
                raise NotFound("no such user")
        return profile_of(user, self.deliverability)


def profile_of(user: User, deliverability: MailDeliverability) -> Profile:
    return Profile(user.id, user.email, user.full_name, user.role.value,
                   user.is_email_verified, user.created_at, user.locale.value,
                   deliverability.undeliverable(user.email))
