"""Who may upload for what, and whose storage the file counts against."""

from __future__ import annotations

from application.files.ports import FilesUnitOfWork
from application.shared.ports import Principal
from domain.files.model import OwnerKind
from domain.shared.errors import NotFound, PermissionDenied
from domain.shared.files import FilePurpose
from domain.shared.roles import Role

_COURSE_FILES = (FilePurpose.COURSE_THUMBNAIL, FilePurpose.LESSON_ATTACHMENT,
                 FilePurpose.LESSON_VIDEO)


def upload_owner(uow: FilesUnitOfWork, actor: Principal, purpose: FilePurpose,
                 subject_id: str) -> tuple[OwnerKind, str]:
    """The owner of an upload ``actor`` makes for ``subject_id``; refuses anyone else.

    Course files: the course's teacher. A CV: a student, for themselves. An institution's
    logo and reports: a platform admin until institutions have admins of their own."""
    if purpose in _COURSE_FILES:
        course = uow.roster.course(subject_id)
        if course is None:
            raise NotFound("no such course")
        if course.teacher_id != actor.user_id:
            raise PermissionDenied("only the course's teacher uploads its files")
        return OwnerKind.USER, actor.user_id
    if purpose == FilePurpose.CV:
        if actor.role != Role.STUDENT or subject_id != actor.user_id:
            raise PermissionDenied("a student uploads their own CV")
        return OwnerKind.USER, actor.user_id
    if actor.role != Role.PLATFORM_ADMIN:
        raise PermissionDenied("only an administrator uploads an institution's files")
    return OwnerKind.INSTITUTION, subject_id
