"""Accounts in the database: users, refresh tokens, used one-time tokens; their mapping and
repositories."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import (
    Column,
    ForeignKey,
    Integer,
    String,
    Table,
    bindparam,
    delete,
    insert,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, registry

from adapters.outbound.persistence.schema import ID, EnumText, metadata, utc
from adapters.outbound.persistence.shared import Tracker
from adapters.outbound.persistence.unit_of_work import SqlUnitOfWork, audit_log
from application.accounts.ports import RefreshTokenRecord
from domain.accounts.model import Standing, User
from domain.accounts.throttle import LoginAttempts
from domain.shared.locale import Locale
from domain.shared.roles import Role

users = Table(
    "users",
    metadata,
    Column("id", ID, primary_key=True),
    Column("email", String(254), nullable=False, unique=True),
    Column("full_name", String(200), nullable=False),
    Column("role", EnumText(Role), nullable=False),
    Column("password_hash", String(255), nullable=False),
    Column("created_at", utc(), nullable=False),
    Column("email_verified_at", utc()),
    Column("password_changed_at", utc()),
    Column("locale", EnumText(Locale), nullable=False, server_default="en"),
    Column("erased_at", utc()),  # the person's data was erased (ADR 22)
)


refresh_tokens = Table(
    "refresh_tokens",
    metadata,
    Column("id", ID, primary_key=True),
    Column("family_id", ID, nullable=False, index=True),
    Column("user_id", ID, ForeignKey("users.id"), nullable=False, index=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", utc(), nullable=False),
    Column("expires_at", utc(), nullable=False),
    Column("used_at", utc()),
    Column("revoked_at", utc()),
)


used_tokens = Table(
    "used_tokens",
    metadata,
    Column("token_id", String(64), primary_key=True),
    Column("purpose", String(32), nullable=False),
    Column("used_at", utc(), nullable=False),
)



class SqlUserRepository:
    def __init__(self, session: Session, tracker: Tracker) -> None:
        self.session, self.tracker = session, tracker

    def add(self, user: User) -> None:
        self.session.add(user)
        self.tracker.track(user)

    def get(self, user_id: str) -> User | None:
        user = self.session.get(User, user_id)
        self.tracker.track(user)
        return user

    def standing(self, user_id: str) -> Standing | None:
        row = self.session.execute(_STANDING, {"user_id": user_id}).first()
        return None if row is None else Standing(*row)

    def get_by_email(self, email: str) -> User | None:
        user = self.session.scalars(select(User).where(users.c.email == email)).first()
        self.tracker.track(user)
        return user


# Built once: every call with a token runs it.
_STANDING = select(users.c.role, users.c.email_verified_at, users.c.password_changed_at,
                   users.c.erased_at).where(users.c.id == bindparam("user_id"))


class SqlRefreshTokenStore:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, record: RefreshTokenRecord) -> None:
        self.session.execute(insert(refresh_tokens).values(**vars(record)))

    def get_by_hash(self, token_hash: str) -> RefreshTokenRecord | None:
        row = self.session.execute(
            select(refresh_tokens).where(refresh_tokens.c.token_hash == token_hash)
        ).mappings().first()
        return RefreshTokenRecord(**row) if row else None

    def mark_used(self, record_id: str, now: datetime) -> bool:
        c = refresh_tokens.c
        unused = update(refresh_tokens).where(c.id == record_id, c.used_at.is_(None))
        done = self.session.execute(unused.values(used_at=now))
        return bool(done.rowcount)  # type: ignore[attr-defined]

    def revoke_family(self, family_id: str, now: datetime) -> None:
        c = refresh_tokens.c
        self.session.execute(update(refresh_tokens).where(
            c.family_id == family_id, c.revoked_at.is_(None)).values(revoked_at=now))

    def revoke_user(self, user_id: str, now: datetime) -> None:
        c = refresh_tokens.c
        self.session.execute(update(refresh_tokens).where(
            c.user_id == user_id, c.revoked_at.is_(None)).values(revoked_at=now))


class SqlUsedTokens:
    def __init__(self, session: Session) -> None:
        self.session = session

    def consume(self, token_id: str, purpose: str, now: datetime) -> bool:
        try:
            with self.session.begin_nested():
                self.session.execute(
                    insert(used_tokens).values(token_id=token_id, purpose=purpose, used_at=now))
        except IntegrityError:
            return False
        return True


login_attempts = Table(
    "login_attempts",
    metadata,
    # A digest of the address: failed sign-ins are counted for addresses without accounts
    # too (or a 429 would tell which have one), and those are kept as digests only.
    Column("key", String(64), primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("last_failed_at", utc(), nullable=False),
    Column("blocked_until", utc()),
)


class SqlLoginAttempts:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, key: str) -> LoginAttempts:
        row = self.session.execute(select(login_attempts).where(login_attempts.c.key == key)
                                   .with_for_update()).first()
        if row is None:
            return LoginAttempts(key)
        return LoginAttempts(key, row.failures, row.last_failed_at, row.blocked_until)

    def save(self, attempts: LoginAttempts) -> None:
        values = {"failures": attempts.failures, "last_failed_at": attempts.last_failed_at,
                  "blocked_until": attempts.blocked_until}
        dialect = self.session.get_bind().dialect.name
        upsert = postgresql_insert if dialect == "postgresql" else sqlite_insert
        self.session.execute(upsert(login_attempts).values(key=attempts.key, **values)
                             .on_conflict_do_update(index_elements=["key"], set_=values))

    def clear(self, key: str) -> None:
        self.session.execute(delete(login_attempts).where(login_attempts.c.key == key))


def map_accounts(mapper: registry) -> None:
    mapper.map_imperatively(User, users)


class SqlAccountsUnitOfWork(SqlUnitOfWork):
    repositories: ClassVar[Mapping[str, Callable[[SqlUnitOfWork], Any]]] = {
        "users": lambda uow: SqlUserRepository(uow.session, uow.tracker),
        "refresh_tokens": lambda uow: SqlRefreshTokenStore(uow.session),
        "used_tokens": lambda uow: SqlUsedTokens(uow.session),
        "login_attempts": lambda uow: SqlLoginAttempts(uow.session),
        "audit": audit_log,
    }
