"""Account rules that come from configuration."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class AccountPolicy:
    refresh_token_ttl: timedelta = timedelta(days=30)
    email_verification_ttl: timedelta = timedelta(hours=24)
    password_reset_ttl: timedelta = timedelta(hours=1)
    min_password_length: int = 10
    max_password_length: int = 256
