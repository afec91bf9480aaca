"""Fakes of the accounts area: password hashing, tokens and the accounts' records."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any, ClassVar

from application.accounts.ports import IssuedAccessToken, OneTimeClaims, RefreshTokenRecord
from application.shared.ports import Principal
from domain.accounts.model import User
from domain.shared.errors import AuthenticationFailed, InvalidToken
from tests.unit.shared.fakes import FakeAuditLog, FakeClock, FakeDatabase, FakeUnitOfWorkBase, _Repo


class FakePasswordHasher:
    """Reversible on purpose: tests read what was hashed. Never use outside tests."""

    def hash(self, password: str) -> str:
        return "hashed:" + password

    def verify(self, password_hash: str, password: str) -> bool:
        return password_hash == "hashed:" + password

    def needs_rehash(self, password_hash: str) -> bool:
        return False

    def verify_decoy(self, password: str) -> None:
        self.decoy_checks = getattr(self, "decoy_checks", 0) + 1


class FakeAccessTokens:
    def __init__(self, clock: FakeClock, ttl_seconds: int = 900) -> None:
        self.clock, self.ttl = clock, ttl_seconds
        self.issued: dict[str, tuple[Principal, datetime]] = {}

    def issue(self, user_id: str, role: str) -> IssuedAccessToken:
        token = f"access-{len(self.issued) + 1}"
        expires = self.clock.now() + timedelta(seconds=self.ttl)
        self.issued[token] = (Principal(user_id, role), expires)
        return IssuedAccessToken(token, self.ttl)

    def read(self, token: str) -> Principal:
        if token not in self.issued or self.issued[token][1] <= self.clock.now():
            raise AuthenticationFailed("the access token is not valid")
        return self.issued[token][0]


class FakeOneTimeTokens:
    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.issued: dict[str, tuple[str, OneTimeClaims]] = {}

    def issue(self, purpose: str, user_id: str, ttl: timedelta) -> str:
        token = f"{purpose}-token-{len(self.issued) + 1}"
        claims = OneTimeClaims(f"jti-{len(self.issued) + 1}", user_id, self.clock.now() + ttl)
        self.issued[token] = (purpose, claims)
        return token

    def read(self, purpose: str, token: str) -> OneTimeClaims:
        found = self.issued.get(token)
        if found is None or found[0] != purpose:
            raise InvalidToken("the link is not valid")
        if found[1].expires_at <= self.clock.now():
            raise InvalidToken("the link has expired")
        return found[1]


class FakeUserRepository(_Repo):
    def add(self, user: User) -> None:
        self.uow.staging(User)[user.id] = user
        self._track(user)

    def get(self, user_id: str) -> User | None:
        user = self.uow.staging(User).get(user_id) or self.uow.db.users.get(user_id)
        return self._take(user)

    def get_by_email(self, email: str) -> User | None:
        everyone = {**self.uow.db.users, **self.uow.staging(User)}.values()
        user = next((u for u in everyone if u.email == email), None)
        return self._take(user)


class FakeRefreshTokenStore(_Repo):
    def add(self, record: RefreshTokenRecord) -> None:
        self.uow.staged_ops.append(lambda db: db.refresh_tokens.__setitem__(record.id, record))

    def get_by_hash(self, token_hash: str) -> RefreshTokenRecord | None:
        found = next((r for r in self.uow.db.refresh_tokens.values()
                      if r.token_hash == token_hash), None)
        return replace(found) if found else None

    def mark_used(self, record_id: str, now: datetime) -> bool:
        record = self.uow.db.refresh_tokens[record_id]
        if record.used_at is not None:
            return False
        self.uow.staged_ops.append(lambda db: setattr(db.refresh_tokens[record_id], "used_at", now))
        return True

    def revoke_family(self, family_id: str, now: datetime) -> None:
        def revoke(db: FakeDatabase) -> None:
            for record in db.refresh_tokens.values():
                if record.family_id == family_id and record.revoked_at is None:
                    record.revoked_at = now
        self.uow.staged_ops.append(revoke)

    def revoke_user(self, user_id: str, now: datetime) -> None:
        def revoke(db: FakeDatabase) -> None:
            for record in db.refresh_tokens.values():
                if record.user_id == user_id and record.revoked_at is None:
                    record.revoked_at = now
        self.uow.staged_ops.append(revoke)


class FakeUsedTokens(_Repo):
    def consume(self, token_id: str, purpose: str, now: datetime) -> bool:
        if token_id in self.uow.db.used_tokens:
            return False
        self.uow.staged_ops.append(lambda db: db.used_tokens.add(token_id))
        return True


class FakeAccountsUnitOfWork(FakeUnitOfWorkBase):
    repositories: ClassVar[Mapping[str, Callable[[Any], Any]]] = {
        "users": FakeUserRepository,
        "refresh_tokens": FakeRefreshTokenStore,
        "used_tokens": FakeUsedTokens,
        "audit": FakeAuditLog,
    }
    tables: ClassVar[Mapping[type[Any], str]] = {User: "users"}
