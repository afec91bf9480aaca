"""The files' part: what a person uploaded for themselves (a CV) or never put to use is
deleted, its bytes after the commit (``FileDiscarded``, the files area's own removal); what
they made for a course in use, or for an institution, stays for those it belongs to, without
the name the file was uploaded under. Playback grants (who watched which lesson, counted in
the teacher's statistics) keep the pseudonymous id."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, or_, select, update

from adapters.outbound.persistence.files import playback_grants, stored_files
from adapters.outbound.persistence.privacy.rows import SqlSection, records
from application.shared.privacy import Person
from domain.files.events import FileDiscarded
from domain.files.model import FileStatus, OwnerKind
from domain.shared.events import Event
from domain.shared.files import FilePurpose

COURSE_MATERIAL = (FilePurpose.COURSE_THUMBNAIL, FilePurpose.LESSON_ATTACHMENT,
                   FilePurpose.LESSON_VIDEO)


class FilesPersonalData(SqlSection):
    name = "files"
    tables = ("stored_files", "playback_grants")

    def _theirs(self, person: Person) -> Any:
        c = stored_files.c
        return or_(c.uploader_id == person.user_id,
                   and_(c.owner_kind == OwnerKind.USER, c.owner_id == person.user_id))

    def export(self, person: Person) -> dict[str, Any]:
        f, g = stored_files.c, playback_grants.c
        return {
            "uploads": records(self.session, select(
                f.id, f.purpose, f.content_type, f.size, f.filename, f.status, f.created_at,
                f.completed_at).where(self._theirs(person)).order_by(f.created_at, f.id)),
            "lessons_watched": records(self.session, select(
                g.course_id, g.lesson_id, g.kind, g.granted_at)
                .where(g.viewer_id == person.user_id).order_by(g.granted_at, g.id)),
        }

    def erase(self, person: Person, now: datetime) -> Sequence[Event]:
        c = stored_files.c
        kept = or_(and_(c.status == FileStatus.ATTACHED, c.purpose.in_(COURSE_MATERIAL)),
                   c.owner_kind == OwnerKind.INSTITUTION)
        doomed = self.session.execute(select(c.id, c.key, c.removed_at).where(
            self._theirs(person), ~kept)).all()
        if doomed:
            self.session.execute(delete(stored_files).where(
                c.id.in_([row.id for row in doomed])))
        self.session.execute(update(stored_files).where(
            self._theirs(person), kept, c.filename.is_not(None))
            .values(filename=None, version=c.version + 1))
        return [FileDiscarded(file_id=row.id, key=row.key) for row in doomed
                if row.removed_at is None]
