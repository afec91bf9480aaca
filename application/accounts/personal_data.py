"""What the export and the erasure of a person's data need (ADR 22): the exports' store, one
transaction over the accounts' records, the exports and every area's ``PersonalData``
section, and the rules that come from configuration."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from application.accounts.ports import LoginAttemptsStore, UserRepository
from application.shared.ports import AuditedUnitOfWork
from application.shared.privacy import Person, PersonalData
from domain.accounts.model import ERASED_NAME, User, erased_email
from domain.accounts.personal_data import DataExport

# The exported document's format: a client reading it knows which version it holds.
DOCUMENT_FORMAT = "eduport.personal-data/1"


class DataExports(Protocol):
    """People's exports; a ready one keeps its document (JSON text) until it expires."""

    def add(self, export: DataExport) -> None: ...

    def get(self, export_id: str) -> DataExport | None: ...

    def pending_of(self, user_id: str) -> DataExport | None:
        """The user's export still being built, if any (at most one is)."""

    def complete(self, export: DataExport, document: str) -> None:
        """Stores the now ready ``export`` with its document."""

    def document(self, export_id: str) -> str | None:
        """The document of a ready export; None before it is built or once it is purged."""

    def purge_expired(self, now: datetime, limit: int) -> int:
        """Deletes up to ``limit`` exports (and their documents) expired at ``now``; returns
        how many."""


class PrivacyUnitOfWork(AuditedUnitOfWork, Protocol):
    """One transaction over the accounts' users and failed sign-ins, the exports, and every
    area's ``PersonalData`` section (``personal_data``) built over the same transaction."""

    users: UserRepository
    login_attempts: LoginAttemptsStore
    exports: DataExports
    personal_data: Sequence[PersonalData]


@dataclass(frozen=True)
class PrivacyPolicy:
    export_ttl: timedelta = timedelta(days=7)  # how long a ready export may be downloaded


@dataclass(frozen=True)
class DataExportView:
    id: str
    status: str
    requested_at: datetime
    ready_at: datetime | None
    expires_at: datetime | None


def view_of(export: DataExport) -> DataExportView:
    return DataExportView(export.id, export.status.value, export.requested_at, export.ready_at,
                          export.expires_at)


def person_of(user: User) -> Person:
    return Person(user.id, user.email, user.full_name, erased_email(user.id), ERASED_NAME)
