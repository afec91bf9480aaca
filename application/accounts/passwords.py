"""The password rules every account follows."""

from __future__ import annotations

from application.accounts.config import AccountPolicy
from domain.shared.errors import InvalidValue


def check_password(password: str, email: str, policy: AccountPolicy) -> None:
    if not policy.min_password_length <= len(password) <= policy.max_password_length:
        raise InvalidValue(f"a password has {policy.min_password_length} to "
                           f"{policy.max_password_length} characters")
    if password.strip().lower() == email.lower() or len(set(password)) < 4:
        raise InvalidValue("choose a password that is harder to guess")
