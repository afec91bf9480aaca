"""A person's copy of their data (GDPR Art. 15 and 20): asked for, built in a job, downloaded
by its owner until it expires."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from domain.shared.errors import InvalidState
from domain.shared.events import Event


class ExportStatus(StrEnum):
    PENDING = "pending"  # asked for; the job has not built it yet
    READY = "ready"  # built: its owner may download it until it expires


@dataclass(frozen=True)
class DataExport:
    """One export of everything eduport keeps about ``user_id``. The document itself is
    kept beside it by the store, not here."""

    id: str
    user_id: str
    requested_at: datetime
    status: ExportStatus = ExportStatus.PENDING
    ready_at: datetime | None = None
    expires_at: datetime | None = None

    def ready(self, now: datetime, expires_at: datetime) -> DataExport:
        if self.status is not ExportStatus.PENDING:
            raise InvalidState("this export was built already")
        if expires_at <= now:
            raise InvalidState("an export must outlive the moment it is built")
        return replace(self, status=ExportStatus.READY, ready_at=now, expires_at=expires_at)

    def has_expired(self, now: datetime) -> bool:
        return self.expires_at is not None and self.expires_at <= now


@dataclass(frozen=True)
class DataExportRequested(Event):
    export_id: str
    user_id: str


@dataclass(frozen=True)
class DataExportReady(Event):
    export_id: str
    user_id: str
