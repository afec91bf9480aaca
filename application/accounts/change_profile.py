"""A user changes their own account's settings: today, the language of their messages."""

from __future__ import annotations

from dataclasses import dataclass

from application.accounts.get_profile import Profile, profile_of
from application.accounts.ports import AccountsUnitOfWork
from application.messaging.published import MailDeliverability
from application.shared.ports import Principal
from domain.shared.errors import NotFound
from domain.shared.locale import Locale


@dataclass(frozen=True)
class ChangeProfileCommand:
    actor: Principal
    locale: str | None = None


class ChangeProfile:
    def __init__(self, uow: AccountsUnitOfWork, deliverability: MailDeliverability) -> None:
        self.uow, self.deliverability = uow, deliverability

    def __call__(self, cmd: ChangeProfileCommand) -> Profile:
        with self.uow:
            user = self.uow.users.get(cmd.actor.user_id)
            if user is None:
                raise NotFound("no such user")
            if cmd.locale is not None:
                user.change_locale(Locale.parse(cmd.locale))
            self.uow.commit()
        return profile_of(user, self.deliverability)
