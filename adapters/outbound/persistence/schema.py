"""What every area's tables share: the metadata with its naming convention and column types."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    MetaData,
    String,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import TypeDecorator

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


ID = String(36)


class UtcDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in and out, also on SQLite, which forgets the zone."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use timezone-aware UTC")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utc() -> UtcDateTime:
    return UtcDateTime()


class EnumText(TypeDecorator[StrEnum]):
    """Stores a ``StrEnum`` as its plain value and gives the enum back on load."""

    impl = String(32)
    cache_ok = True

    def __init__(self, enum: type[StrEnum]) -> None:
        super().__init__()
        self.enum = enum

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        return None if value is None else self.enum(value).value

    def process_result_value(self, value: Any, dialect: Dialect) -> StrEnum | None:
        return None if value is None else self.enum(value)


def dialect_insert(session: Session) -> Any:
    """The dialect's INSERT (PostgreSQL's or SQLite's), whose ``on_conflict_do_nothing``
    both speak."""
    return postgresql_insert if session.get_bind().dialect.name == "postgresql" \
        else sqlite_insert


class TextList(TypeDecorator[tuple[str, ...]]):
    """A tuple of short texts as a JSON array."""

    impl = JSON
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> list[str] | None:
        return None if value is None else list(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> tuple[str, ...] | None:
        return None if value is None else tuple(value)


class EmailDomain(FunctionElement[str]):
    """The domain of an email address, lower case, computed by the database."""

    type = String()
    inherit_cache = True


@compiles(EmailDomain, "postgresql")
def _postgres_email_domain(element: EmailDomain, compiler: Any, **kw: Any) -> str:
    return f"lower(split_part({compiler.process(element.clauses, **kw)}, '@', 2))"


@compiles(EmailDomain)
def _sqlite_email_domain(element: EmailDomain, compiler: Any, **kw: Any) -> str:
    address = compiler.process(element.clauses, **kw)
    return f"lower(substr({address}, instr({address}, '@') + 1))"
