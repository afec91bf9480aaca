"""The password rules every account follows."""

from __future__ import annotations

from application.accounts.config import AccountPolicy
from application.accounts.ports import PasswordStrength
from domain.shared.errors import InvalidValue


def check_password(password: str, email: str, policy: AccountPolicy,
                   strength: PasswordStrength, name: str = "",
                   field: str = "password") -> None:
    """Refuses, naming ``field``, a password of the wrong length or one easy to guess."""
    if not policy.min_password_length <= len(password) <= policy.max_password_length:
        raise InvalidValue(f"a password has {policy.min_password_length} to "
                           f"{policy.max_password_length} characters", field)
    personal = [email, email.split("@")[0], name, name.replace(" ", ""), *name.split()]
    if password.strip().lower() == email.lower() or len(set(password)) < 4:
        raise InvalidValue("choose a password that is harder to guess", field)
    weakness = strength.weakness(password, personal)
    if weakness is not None:
        raise InvalidValue(f"choose a password that is harder to guess: {weakness}", field)
