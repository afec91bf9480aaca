"""What accounts need from the outside world: password hashing, tokens, their records."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from application.shared.ports import AuditedUnitOfWork, Principal
from domain.accounts.model import Standing, User
from domain.accounts.throttle import LoginAttempts


class PasswordHasher(Protocol):
    def hash(self, password: str) -> str:
        """A salted, memory-hard hash of ``password`` in a self-describing string format."""

    def verify(self, password_hash: str, password: str) -> bool:
        """True when ``password`` matches; False for a mismatch or an unreadable hash."""

    def needs_rehash(self, password_hash: str) -> bool:
        """True when the hash was made with weaker parameters than the current ones."""

    def verify_decoy(self, password: str) -> None:
        """Spends the work of ``verify`` on a stored decoy hash, so that a login for an
        unknown email takes as long as one for a known email."""


@dataclass(frozen=True)
class IssuedAccessToken:
    token: str
    expires_in: int  # seconds


class AccessTokens(Protocol):
    def issue(self, user_id: str, role: str) -> IssuedAccessToken:
        """A signed bearer token for the user, valid for the configured lifetime."""

    def read(self, token: str) -> Principal:
        """The principal of a valid token, with when it was issued. Raises
        ``AuthenticationFailed`` when the token is malformed, forged, not an access token,
        or expired by the Clock (not the host's time)."""


@dataclass(frozen=True)
class OneTimeClaims:
    token_id: str
    user_id: str
    expires_at: datetime
    issued_at: datetime | None = None  # to the second


class OneTimeTokens(Protocol):
    def issue(self, purpose: str, user_id: str, ttl: timedelta) -> str:
        """A signed, expiring token for one ``purpose`` ("verify_email", "reset_password")."""

    def read(self, purpose: str, token: str) -> OneTimeClaims:
        """The claims of a token signed by us for that purpose and not expired. Raises
        ``InvalidToken`` otherwise. Single use is enforced by the caller with ``UsedTokens``."""


class PasswordStrength(Protocol):
    def weakness(self, password: str, personal: Sequence[str]) -> str | None:
        """Why ``password`` is easy to guess (a common password, a keyboard walk, a word
        with digits, one of the owner's ``personal`` words such as their email or name), in
        a sentence for its owner; None when it is strong enough. Local and pure."""


class UserRepository(Protocol):
    def add(self, user: User) -> None: ...
    def get(self, user_id: str) -> User | None: ...
    def get_by_email(self, email: str) -> User | None: ...

    def standing(self, user_id: str) -> Standing | None:
        """The account's ``User.standing``, read without loading the account (every call
        with a token asks); None for an unknown id."""


@dataclass
class RefreshTokenRecord:
    id: str
    family_id: str
    user_id: str
    token_hash: str
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None
    revoked_at: datetime | None = None


class RefreshTokenStore(Protocol):
    def add(self, record: RefreshTokenRecord) -> None: ...
    def get_by_hash(self, token_hash: str) -> RefreshTokenRecord | None: ...
    def mark_used(self, record_id: str, now: datetime) -> bool:
        """Marks an unused token used; False when it was already used (a concurrent refresh)."""

    def revoke_family(self, family_id: str, now: datetime) -> None: ...
    def revoke_user(self, user_id: str, now: datetime) -> None: ...


class UsedTokens(Protocol):
    def consume(self, token_id: str, purpose: str, now: datetime) -> bool:
        """Records a one-time token as used; False when it had been used before."""


class LoginAttemptsStore(Protocol):
    def get(self, key: str) -> LoginAttempts:
        """The address's failed sign-ins (none yet: ``LoginAttempts(key)``), locked for the
        transaction, so concurrent failures on one address all count."""

    def save(self, attempts: LoginAttempts) -> None: ...

    def clear(self, key: str) -> None:
        """A successful sign-in forgets the failures; idempotent."""


class AccountsUnitOfWork(AuditedUnitOfWork, Protocol):
    """One transaction over the accounts' own records."""

    users: UserRepository
    refresh_tokens: RefreshTokenStore
    used_tokens: UsedTokens
    login_attempts: LoginAttemptsStore
