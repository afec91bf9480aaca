"""Files in the database: the record of each upload and each playback grant. The bytes
themselves live in the file storage."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import (
    BigInteger,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    func,
    insert,
    or_,
    select,
)
from sqlalchemy.orm import Session, registry

from adapters.outbound.persistence.accounts import SqlUserRepository, users
from adapters.outbound.persistence.catalog import course_roster
from adapters.outbound.persistence.schema import ID, EmailDomain, EnumText, metadata, utc
from adapters.outbound.persistence.shared import Tracker
from adapters.outbound.persistence.unit_of_work import SqlUnitOfWork
from application.accounts.directory import UserDirectory
from application.files.attachments import RecordedFileAttachments
from application.files.ports import LessonViews
from application.files.published import StoredBytes
from domain.files.model import FileStatus, OwnerKind, StoredFile
from domain.files.playback import PlaybackGrant
from domain.shared.files import FilePurpose, VideoKind

stored_files = Table(
    "stored_files",
    metadata,
    Column("id", ID, primary_key=True),
    Column("purpose", EnumText(FilePurpose), nullable=False),
    Column("owner_kind", EnumText(OwnerKind), nullable=False),
    Column("owner_id", ID, nullable=False),
    Column("uploader_id", ID, ForeignKey("users.id"), nullable=False),
    Column("subject_id", ID, nullable=False),
    Column("key", String(80), nullable=False, unique=True),
    Column("content_type", String(100), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("filename", String(120)),
    Column("status", EnumText(FileStatus), nullable=False),
    Column("created_at", utc(), nullable=False),
    Column("expires_at", utc(), nullable=False),
    Column("completed_at", utc()),
    Column("removed_at", utc()),
    Column("version", Integer, nullable=False),
    Index("ix_stored_files_owner", "owner_kind", "owner_id", "status"),
    Index("ix_stored_files_status_created", "status", "created_at"),
    Index("ix_stored_files_unremoved", "status", "removed_at", "expires_at"),
)

playback_grants = Table(
    "playback_grants",
    metadata,
    Column("id", ID, primary_key=True),
    Column("course_id", ID, ForeignKey("courses.id", ondelete="CASCADE"), nullable=False),
    Column("lesson_id", ID, nullable=False),
    Column("viewer_id", ID, ForeignKey("users.id"), nullable=False),
    Column("kind", EnumText(VideoKind), nullable=False),
    Column("granted_at", utc(), nullable=False),
    Index("ix_playback_grants_course_lesson", "course_id", "lesson_id"),
)

_KEPT = (FileStatus.READY, FileStatus.ATTACHED)


class SqlFileRepository:
    def __init__(self, session: Session, tracker: Tracker) -> None:
        self.session, self.tracker = session, tracker

    def add(self, file: StoredFile) -> None:
        self.session.add(file)
        self.tracker.track(file)

    def get(self, file_id: str) -> StoredFile | None:
        found = self.session.get(StoredFile, file_id, with_for_update=True)
        self.tracker.track(found)
        return found

    def by_key(self, key: str) -> StoredFile | None:
        found = self.session.scalars(select(StoredFile).where(stored_files.c.key == key)
                                     .with_for_update()).first()
        self.tracker.track(found)
        return found

    def abandoned(self, pending_before: datetime, ready_before: datetime,
                  limit: int) -> list[StoredFile]:
        c = stored_files.c
        found = list(self.session.scalars(select(StoredFile).where(or_(
            (c.status == FileStatus.PENDING) & (c.created_at <= pending_before),
            (c.status == FileStatus.READY) & (c.completed_at <= ready_before),
        )).order_by(c.created_at, c.id).limit(limit).with_for_update(skip_locked=True)))
        for file in found:
            self.tracker.track(file)
        return found

    def unremoved(self, now: datetime, limit: int) -> list[StoredFile]:
        c = stored_files.c
        found = list(self.session.scalars(select(StoredFile).where(
            c.status.in_((FileStatus.REJECTED, FileStatus.DISCARDED)), c.removed_at.is_(None),
            c.expires_at <= now,
        ).order_by(c.expires_at, c.id).limit(limit).with_for_update(skip_locked=True)))
        for file in found:
            self.tracker.track(file)
        return found


class SqlStorageTotals:
    """Sums in the database, by owner and by the domain of people's addresses: the answer
    has a row per institution and per domain, never one per person or file."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def totals(self) -> StoredBytes:
        c, u = stored_files.c, users.c
        kept = c.status.in_(_KEPT)
        own = self.session.execute(
            select(c.owner_id, func.sum(c.size)).where(kept, c.owner_kind == OwnerKind.INSTITUTION)
            .group_by(c.owner_id))
        domain = EmailDomain(u.email)
        people = self.session.execute(
            select(domain, func.sum(c.size)).join(users, users.c.id == c.owner_id)
            .where(kept, c.owner_kind == OwnerKind.USER, u.email_verified_at.is_not(None),
                   u.erased_at.is_(None)).group_by(domain))
        return StoredBytes({str(owner): int(size) for owner, size in own},
                           {str(name): int(size) for name, size in people})


class SqlFileQueries:
    def __init__(self, session: Session) -> None:
        self.session = session

    def bytes_stored(self, owner_kind: OwnerKind, owner_id: str) -> tuple[int, int]:
        c = stored_files.c
        row = self.session.execute(select(func.coalesce(func.sum(c.size), 0), func.count())
                                   .where(c.owner_kind == owner_kind, c.owner_id == owner_id,
                                          c.status.in_(_KEPT))).one()
        return int(row[0]), int(row[1])

    def lesson_views(self, course_id: str) -> list[LessonViews]:
        c = playback_grants.c
        rows = self.session.execute(
            select(c.lesson_id, func.count(), func.count(c.viewer_id.distinct()))
            .where(c.course_id == course_id).group_by(c.lesson_id).order_by(c.lesson_id))
        return [LessonViews(r[0], int(r[1]), int(r[2])) for r in rows]


class SqlPlaybackGrants:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, grant: PlaybackGrant) -> None:
        self.session.execute(insert(playback_grants).values(
            id=grant.id, course_id=grant.course_id, lesson_id=grant.lesson_id,
            viewer_id=grant.viewer_id, kind=grant.kind, granted_at=grant.granted_at))


def file_attachments(uow: SqlUnitOfWork) -> RecordedFileAttachments:
    """The files' published ``FileAttachments`` over another area's transaction."""
    return RecordedFileAttachments(SqlFileRepository(uow.session, uow.tracker))


def map_files(mapper: registry) -> None:
    # A completion, an attach and a sweep of one file race: the UPDATE names the version it
    # read (besides the row lock, which SQLite does not take).
    mapper.map_imperatively(StoredFile, stored_files, version_id_col=stored_files.c.version,
                            version_id_generator=False)


class SqlFilesUnitOfWork(SqlUnitOfWork):
    repositories: ClassVar[Mapping[str, Callable[[SqlUnitOfWork], Any]]] = {
        "files": lambda uow: SqlFileRepository(uow.session, uow.tracker),
        "grants": lambda uow: SqlPlaybackGrants(uow.session),
        "queries": lambda uow: SqlFileQueries(uow.session),
        "roster": course_roster,
        "people": lambda uow: UserDirectory(SqlUserRepository(uow.session, uow.tracker)),
    }
