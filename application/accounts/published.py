"""The accounts area's published interface: how another area learns whom to address."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from domain.shared.events import Event


@dataclass(frozen=True)
class Contact:
    user_id: str
    email: str
    full_name: str
    locale: str = "en"
    role: str = ""  # a Role value


class AccountDirectory(Protocol):
    def contact(self, user_id: str) -> Contact | None:
        """The user's address and name, read in the caller's transaction; None when the
        account is unknown."""


@dataclass(frozen=True)
class TeacherRegistered(Event):
    """Someone became a teacher: signed up as one, or was made one by an admin. Published
    for the areas that follow teachers (identity opens their application)."""

    user_id: str
