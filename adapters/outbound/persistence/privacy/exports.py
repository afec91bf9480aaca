"""People's data exports in the database: each export's state and, once built, its JSON
document, until it expires."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Column,
    ForeignKey,
    Index,
    Table,
    Text,
    delete,
    insert,
    select,
    update,
)
from sqlalchemy.orm import Session

from adapters.outbound.persistence.schema import ID, EnumText, metadata, utc
from domain.accounts.personal_data import DataExport, ExportStatus

data_exports = Table(
    "data_exports",
    metadata,
    Column("id", ID, primary_key=True),
    Column("user_id", ID, ForeignKey("users.id"), nullable=False),
    Column("status", EnumText(ExportStatus), nullable=False),
    Column("requested_at", utc(), nullable=False),
    Column("ready_at", utc()),
    Column("expires_at", utc()),
    Column("document", Text),  # the JSON document, once ready
    Index("ix_data_exports_user", "user_id", "requested_at"),
    Index("ix_data_exports_expires_at", "expires_at"),
)

_FIELDS = ("id", "user_id", "status", "requested_at", "ready_at", "expires_at")


def _export(row: Any) -> DataExport:
    return DataExport(**{name: row[name] for name in _FIELDS})


class SqlDataExports:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, export: DataExport) -> None:
        self.session.execute(insert(data_exports).values(
            **{name: getattr(export, name) for name in _FIELDS}))

    def get(self, export_id: str) -> DataExport | None:
        row = self.session.execute(select(*(data_exports.c[name] for name in _FIELDS))
                                   .where(data_exports.c.id == export_id)).mappings().first()
        return None if row is None else _export(row)

    def pending_of(self, user_id: str) -> DataExport | None:
        c = data_exports.c
        row = self.session.execute(
            select(*(c[name] for name in _FIELDS))
            .where(c.user_id == user_id, c.status == ExportStatus.PENDING)
            .order_by(c.requested_at.desc()).limit(1)).mappings().first()
        return None if row is None else _export(row)

    def complete(self, export: DataExport, document: str) -> None:
        self.session.execute(update(data_exports).where(data_exports.c.id == export.id).values(
            status=export.status, ready_at=export.ready_at, expires_at=export.expires_at,
            document=document))

    def document(self, export_id: str) -> str | None:
        found: str | None = self.session.execute(
            select(data_exports.c.document).where(data_exports.c.id == export_id)).scalar()
        return found

    def purge_expired(self, now: datetime, limit: int) -> int:
        c = data_exports.c
        expired = c.expires_at.is_not(None) & (c.expires_at <= now)
        ids = list(self.session.scalars(select(c.id).where(expired).order_by(c.expires_at)
                                        .limit(limit)))
        if not ids:
            return 0
        self.session.execute(delete(data_exports).where(c.id.in_(ids), expired))
        return len(ids)
