"""Fakes of personal data's export and erasure: the exports' store, sections over the fake
database, and the unit of work that joins them with the accounts' records."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any, ClassVar

from application.shared.privacy import Person
from domain.accounts.model import User
from domain.accounts.personal_data import DataExport, ExportStatus
from domain.accounts.throttle import attempts_key
from domain.identity.erasure import VerifierSessionErased
from domain.shared.events import Event
from tests.unit.accounts.fakes import FakeLoginAttempts, FakeUserRepository
from tests.unit.shared.fakes import FakeAuditLog, FakeDatabase, FakeUnitOfWorkBase, _Repo

Rows = dict[str, dict[str, Any]]


def exports_of(db: FakeDatabase) -> Rows:
    """The fake database's exports: ``{id: {"export": DataExport, "document": str | None}}``
    (kept beside the shared kernel's tables, which know nothing of them)."""
    rows: Rows = db.__dict__.setdefault("data_exports", {})
    return rows


def notes_of(db: FakeDatabase) -> dict[str, list[str]]:
    """A stand-in for another area's records: free-text notes per person, and the verifier
    sessions each one opened (``"session:<id>"`` entries)."""
    notes: dict[str, list[str]] = db.__dict__.setdefault("notes", {})
    return notes


class FakeDataExports(_Repo):
    """Reads see this transaction's own writes; commit applies them, rollback drops them."""

    def _rows(self) -> Rows:
        held: dict[str, Rows] = self.uow.staged.setdefault(FakeDataExports, {})  # type: ignore[arg-type]
        if "rows" not in held:  # this transaction's copy, made on first use
            held["rows"] = {key: dict(row) for key, row in exports_of(self.uow.db).items()}
        return held["rows"]

    def _write(self, change: Callable[[Rows], None]) -> None:
        change(self._rows())
        self.uow.staged_ops.append(lambda db: change(exports_of(db)))

    def add(self, export: DataExport) -> None:
        self._write(lambda rows: rows.__setitem__(export.id, {"export": export,
                                                              "document": None}))

    def get(self, export_id: str) -> DataExport | None:
        row = self._rows().get(export_id)
        return None if row is None else replace(row["export"])

    def pending_of(self, user_id: str) -> DataExport | None:
        pending = [row["export"] for row in self._rows().values()
                   if row["export"].user_id == user_id
                   and row["export"].status is ExportStatus.PENDING]
        return max(pending, key=lambda e: e.requested_at) if pending else None

    def complete(self, export: DataExport, document: str) -> None:
        self._write(lambda rows: rows.__setitem__(export.id, {"export": export,
                                                              "document": document}))

    def document(self, export_id: str) -> str | None:
        row = self._rows().get(export_id)
        return None if row is None else row["document"]

    def purge_expired(self, now: datetime, limit: int) -> int:
        expired = sorted((row["export"].expires_at, key) for key, row in self._rows().items()
                         if row["export"].has_expired(now))[:limit]

        def purge(rows: Rows) -> None:
            for _, key in expired:
                rows.pop(key, None)
        self._write(purge)
        return len(expired)


class FakeAccountsSection:
    """The accounts' section over the fake database, as the SQL one: the account anonymised
    in place; sessions, failed sign-ins and exports deleted."""

    name = "account"
    tables = ("users", "refresh_tokens", "login_attempts", "data_exports")

    def __init__(self, uow: FakeUnitOfWorkBase) -> None:
        self.uow = uow

    def export(self, person: Person) -> dict[str, Any]:
        user = self.uow.users.get(person.user_id)  # type: ignore[attr-defined]
        profile = None if user is None else {
            "id": user.id, "email": user.email, "full_name": user.full_name,
            "role": user.role.value, "created_at": user.created_at.isoformat()}
        return {"profile": profile,
                "data_exports": [row["export"].id
                                 for row in exports_of(self.uow.db).values()
                                 if row["export"].user_id == person.user_id]}

    def erase(self, person: Person, now: datetime) -> Sequence[Event]:
        user: User | None = self.uow.users.get(person.user_id)  # type: ignore[attr-defined]
        if user is not None:
            user.erase(now)
        self.uow.login_attempts.clear(attempts_key(person.email))  # type: ignore[attr-defined]

        def forget(db: FakeDatabase) -> None:
            for key in [k for k, r in db.refresh_tokens.items() if r.user_id == person.user_id]:
                del db.refresh_tokens[key]
            for key in [k for k, row in exports_of(db).items()
                        if row["export"].user_id == person.user_id]:
                del exports_of(db)[key]
        self.uow.staged_ops.append(forget)
        return ()


class FakeNotesSection:
    """Another area's section: notes are scrubbed of the person's strings and kept; a
    "session:<id>" entry is deleted and asks a verifier to forget it after commit."""

    name = "notes"
    tables = ("notes",)

    def __init__(self, uow: FakeUnitOfWorkBase) -> None:
        self.uow = uow

    def export(self, person: Person) -> dict[str, Any]:
        return {"notes": list(notes_of(self.uow.db).get(person.user_id, []))}

    def erase(self, person: Person, now: datetime) -> Sequence[Event]:
        mine = notes_of(self.uow.db).get(person.user_id, [])
        sessions = [note.removeprefix("session:") for note in mine if note.startswith("session:")]
        kept = [person.scrubbed(note) for note in mine if not note.startswith("session:")]

        def scrub(db: FakeDatabase) -> None:
            notes_of(db)[person.user_id] = kept
        self.uow.staged_ops.append(scrub)
        return [VerifierSessionErased(provider="manual", session_id=s) for s in sessions]


class FakePrivacyUnitOfWork(FakeUnitOfWorkBase):
    sections: ClassVar[tuple[Callable[[FakeUnitOfWorkBase], Any], ...]] = (
        FakeAccountsSection, FakeNotesSection)
    repositories: ClassVar[Mapping[str, Callable[[Any], Any]]] = {
        "users": FakeUserRepository,
        "login_attempts": FakeLoginAttempts,
        "exports": FakeDataExports,
        "audit": FakeAuditLog,
        "personal_data": lambda uow: tuple(section(uow) for section in uow.sections),
    }
    tables: ClassVar[Mapping[type[Any], str]] = {User: "users"}
    unique: ClassVar[Mapping[type[Any], Callable[[Any], tuple[str, ...]]]] = {
        User: lambda u: (u.email,)}
