"""Refresh-token sessions: how one starts and how tokens are stored (hashed)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from application.accounts.config import AccountPolicy
from application.accounts.ports import (
    AccountsUnitOfWork,
    RefreshTokenRecord,
)
from application.shared.ports import Clock, IdGenerator


@dataclass(frozen=True)
class SessionTokens:
    access_token: str
    expires_in: int
    refresh_token: str
    user_id: str
    role: str


def hash_refresh_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_refresh_family(uow: AccountsUnitOfWork, ids: IdGenerator, clock: Clock,
                         policy: AccountPolicy,
                         user_id: str, family_id: str | None = None) -> str:
    """Stores a new refresh token (only its hash) and returns the token itself."""
    token, now = secrets.token_urlsafe(32), clock.now()
    uow.refresh_tokens.add(RefreshTokenRecord(
        ids.new_id(), family_id or ids.new_id(), user_id, hash_refresh_token(token), now,
        now + policy.refresh_token_ttl))
    return token
