"""The accounts side of ``AccountDirectory``, over the caller's transaction."""

from __future__ import annotations

from application.accounts.ports import UserRepository
from application.accounts.published import Contact


class UserDirectory:
    def __init__(self, users: UserRepository) -> None:
        self.users = users

    def contact(self, user_id: str) -> Contact | None:
        user = self.users.get(user_id)
        return None if user is None else Contact(user.id, user.email, user.full_name,
                                                 user.locale.value, user.role.value)
