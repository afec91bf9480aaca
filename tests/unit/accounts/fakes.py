"""Fakes of the accounts area: password hashing, tokens and the accounts' records."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any, ClassVar

from application.accounts.ports import IssuedAccessToken, OneTimeClaims, RefreshTokenRecord
from application.shared.ports import Principal
from domain.accounts.model import Standing, User
from domain.accounts.throttle import LoginAttempts
from domain.shared.errors import AuthenticationFailed, InvalidToken
from tests.unit.shared.fakes import FakeAuditLog, FakeClock, FakeUnitOfWorkBase, _Repo


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
        token = f"access-{uuid.uuid4().hex}"  # unguessable: another issuer's never match
        expires = self.clock.now() + timedelta(seconds=self.ttl)
        self.issued[token] = (Principal(user_id, role, self.clock.now().replace(microsecond=0)),
                              expires)
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
        token = f"{purpose}-token-{uuid.uuid4().hex}"
        claims = OneTimeClaims(f"jti-{len(self.issued) + 1}", user_id, self.clock.now() + ttl,
                               self.clock.now().replace(microsecond=0))
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

    def standing(self, user_id: str) -> Standing | None:
        user = self.get(user_id)
        return None if user is None else user.standing


Records = dict[str, RefreshTokenRecord]


class FakeRefreshTokenStore(_Repo):
    """Each change applies at once to this transaction's copy of the records and again to the
    database on commit, as the SQL statements do: the transaction sees its own writes, the
    others see them once it commits, a rollback drops them."""

    def _records(self) -> Records:
        # The copy lives in the unit of work's staging, which commit and rollback empty.
        return self.uow.staging(RefreshTokenRecord) or self.uow.db.refresh_tokens

    def _change(self, change: Callable[[Records], None]) -> None:
        mine: Records = self.uow.staging(RefreshTokenRecord)
        if not mine:
            mine.update({key: replace(r) for key, r in self.uow.db.refresh_tokens.items()})
        change(mine)
        self.uow.staged_ops.append(lambda db: change(db.refresh_tokens))

    def add(self, record: RefreshTokenRecord) -> None:
        self._change(lambda records: records.__setitem__(record.id, replace(record)))

    def get_by_hash(self, token_hash: str) -> RefreshTokenRecord | None:
        found = next((r for r in self._records().values() if r.token_hash == token_hash), None)
        return replace(found) if found else None

    def mark_used(self, record_id: str, now: datetime) -> bool:
        record = self._records().get(record_id)
        if record is None or record.used_at is not None:
            return False
        self._change(lambda records: setattr(records[record_id], "used_at", now))
        return True

    def revoke_family(self, family_id: str, now: datetime) -> None:
        self._change(lambda records: _revoke(records, lambda r: r.family_id == family_id, now))

    def revoke_user(self, user_id: str, now: datetime) -> None:
        self._change(lambda records: _revoke(records, lambda r: r.user_id == user_id, now))


def _revoke(records: Records, which: Callable[[RefreshTokenRecord], bool], now: datetime
            ) -> None:
    for record in records.values():
        if which(record) and record.revoked_at is None:
            record.revoked_at = now


class FakeUsedTokens(_Repo):
    def consume(self, token_id: str, purpose: str, now: datetime) -> bool:
        seen = f"used_token:{token_id}"  # a claim: seen by this transaction at once
        if token_id in self.uow.db.used_tokens or seen in self.uow.claimed:
            return False
        self.uow.claimed.add(seen)
        self.uow.staged_ops.append(lambda db: db.used_tokens.add(token_id))
        return True


class FakeLoginAttempts(_Repo):
    """Saved at commit, as the SQL store's upsert; this transaction reads its own saves."""

    def _staged(self) -> dict[str, LoginAttempts | None]:
        staged: dict[str, LoginAttempts | None] = self.uow.staged.setdefault(
            FakeLoginAttempts, {})  # type: ignore[arg-type]
        return staged

    def get(self, key: str) -> LoginAttempts:
        staged = self._staged()
        found = staged[key] if key in staged else self.uow.db.login_attempts.get(key)
        return found or LoginAttempts(key)

    def save(self, attempts: LoginAttempts) -> None:
        self._staged()[attempts.key] = attempts
        self.uow.staged_ops.append(
            lambda db: db.login_attempts.__setitem__(attempts.key, attempts))

    def clear(self, key: str) -> None:
        self._staged()[key] = None
        self.uow.staged_ops.append(lambda db: db.login_attempts.pop(key, None))


class FakeAccountsUnitOfWork(FakeUnitOfWorkBase):
    repositories: ClassVar[Mapping[str, Callable[[Any], Any]]] = {
        "users": FakeUserRepository,
        "login_attempts": FakeLoginAttempts,
        "refresh_tokens": FakeRefreshTokenStore,
        "used_tokens": FakeUsedTokens,
        "audit": FakeAuditLog,
    }
    tables: ClassVar[Mapping[type[Any], str]] = {User: "users"}
    # One user per email, as the database's unique index holds.
    unique: ClassVar[Mapping[type[Any], Callable[[Any], tuple[str, ...]]]] = {
        User: lambda u: (u.email,)}
