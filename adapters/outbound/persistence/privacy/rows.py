"""What the sections share: rows as JSON values, and the person's strings rewritten in place."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from enum import Enum
from typing import Any, ClassVar

from sqlalchemy import Column, ColumnElement, Select, Table, Text, cast, func, or_, select, update
from sqlalchemy.orm import Session

from application.shared.privacy import Person


class SqlSection:
    """A ``PersonalData`` section over the caller's session; subclasses name themselves and
    their tables, and read and write those tables only."""

    name: ClassVar[str]
    tables: ClassVar[tuple[str, ...]]

    def __init__(self, session: Session) -> None:
        self.session = session


def plain(value: Any) -> Any:
    """A column's value as JSON: times in ISO 8601 UTC, enums as their values."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    return value


def records(session: Session, query: Select[Any]) -> list[dict[str, Any]]:
    return [{key: plain(value) for key, value in row.items()}
            for row in session.execute(query).mappings()]


def mentions(column: Column[Any], person: Person) -> ColumnElement[bool]:
    """Rows whose JSON ``column`` holds the person's id or address (as the JSON text spells
    it): the candidates ``scrub`` then rewrites."""
    text = func.lower(cast(column, Text))
    needles = [person.user_id, json.dumps(person.email)[1:-1]]
    return or_(*(text.contains(needle.lower(), autoescape=True) for needle in needles if needle))


def scrub(session: Session, table: Table, where: ColumnElement[bool],
          columns: Sequence[Column[Any]], person: Person) -> int:
    """Rewrites the person's address and name in ``columns`` (text or JSON) of the rows
    ``where`` selects; a versioned row's version moves on, so a writer holding the old one
    gets a conflict instead of writing the old text back. Returns how many rows changed."""
    key = list(table.primary_key.columns)
    wanted = [*key, *(column for column in columns if column not in key)]
    changed = 0
    for row in session.execute(select(*wanted).where(where)).mappings().all():
        values = {column.key: person.scrubbed(row[column.key]) for column in columns}
        changes: dict[str, Any] = {k: v for k, v in values.items() if v != row[k]}
        if not changes:
            continue
        if "version" in table.c:
            changes["version"] = table.c.version + 1
        session.execute(update(table).where(*(c == row[c.key] for c in key)).values(**changes))
        changed += 1
    return changed
