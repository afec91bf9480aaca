"""Fakes of the files area's records: uploads, playback grants and the read side, in a unit
of work that reads the catalog's roster and the accounts' directory in the same fake
transaction."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, ClassVar

from application.accounts.directory import UserDirectory
from application.files.attachments import RecordedFileAttachments
from application.files.ports import LessonViews
from domain.accounts.model import User
from domain.files.model import FileStatus, OwnerKind, StoredFile
from domain.files.playback import PlaybackGrant
from tests.unit.accounts.fakes import FakeUserRepository
from tests.unit.catalog.fakes import CATALOG_TABLES
from tests.unit.live.fakes import course_roster
from tests.unit.shared.fakes import FakeDatabase, FakeUnitOfWorkBase, _Repo

_KEPT = (FileStatus.READY, FileStatus.ATTACHED)


class FakeFileRepository(_Repo):
    def _visible(self) -> list[StoredFile]:
        rows = dict(self.uow.db.stored_files)
        rows.update(self.uow.staging(StoredFile))
        rows.update({key: file for (kind, key), file in self.uow.identity.items()
                     if kind is StoredFile})
        return [self._take(row) for row in rows.values()]

    def add(self, file: StoredFile) -> None:
        self.uow.staging(StoredFile)[file.id] = file
        self._track(file)

    def get(self, file_id: str) -> StoredFile | None:
        return next((f for f in self._visible() if f.id == file_id), None)

    def by_key(self, key: str) -> StoredFile | None:
        return next((f for f in self._visible() if f.key == key), None)

    def abandoned(self, pending_before: datetime, ready_before: datetime,
                  limit: int) -> list[StoredFile]:
        found = [f for f in self._visible()
                 if (f.status == FileStatus.PENDING and f.created_at <= pending_before)
                 or (f.status == FileStatus.READY and f.completed_at is not None
                     and f.completed_at <= ready_before)]
        return sorted(found, key=lambda f: (f.created_at, f.id))[:limit]

    def unremoved(self, now: datetime, limit: int) -> list[StoredFile]:
        found = [f for f in self._visible()
                 if f.status in (FileStatus.REJECTED, FileStatus.DISCARDED)
                 and f.removed_at is None and f.expires_at <= now]
        return sorted(found, key=lambda f: (f.expires_at, f.id))[:limit]


class FakePlaybackGrants(_Repo):
    def add(self, grant: PlaybackGrant) -> None:
        self.uow.staged_ops.append(lambda db: db.playback_grants.append(grant))


class FakeFileQueries(_Repo):
    def bytes_stored(self, owner_kind: OwnerKind, owner_id: str) -> tuple[int, int]:
        mine = [f for f in self.uow.db.stored_files.values()
                if (f.owner_kind, f.owner_id) == (owner_kind, owner_id) and f.status in _KEPT]
        return sum(f.size for f in mine), len(mine)

    def lesson_views(self, course_id: str) -> list[LessonViews]:
        grants = [g for g in self.uow.db.playback_grants if g.course_id == course_id]
        views = Counter(g.lesson_id for g in grants)
        viewers = Counter(lesson for lesson, _ in {(g.lesson_id, g.viewer_id) for g in grants})
        return [LessonViews(lesson, views[lesson], viewers[lesson]) for lesson in sorted(views)]


def file_attachments(uow: FakeUnitOfWorkBase) -> RecordedFileAttachments:
    """The files' published ``FileAttachments`` over another area's fake transaction."""
    return RecordedFileAttachments(FakeFileRepository(uow))


FILES_TABLES: Mapping[type[Any], str] = {StoredFile: "stored_files"}
FILES_UNIQUE: Mapping[type[Any], Callable[[Any], tuple[str, ...]]] = {
    StoredFile: lambda f: (f.key,)}


class FakeFilesUnitOfWork(FakeUnitOfWorkBase):
    repositories: ClassVar[Mapping[str, Callable[[Any], Any]]] = {
        "files": FakeFileRepository,
        "grants": FakePlaybackGrants,
        "queries": FakeFileQueries,
        "roster": course_roster,
        "people": lambda uow: UserDirectory(FakeUserRepository(uow)),
    }
    tables: ClassVar[Mapping[type[Any], str]] = {**FILES_TABLES, User: "users",
                                                 **CATALOG_TABLES}
    unique = FILES_UNIQUE


__all__ = ["FakeDatabase", "FakeFilesUnitOfWork"]
