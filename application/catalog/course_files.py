"""Uploads a course puts to use (its thumbnail, its lessons' videos), attached in the
catalog's own transaction, and the files they replace discarded with it."""

from __future__ import annotations

from datetime import datetime

from application.catalog.ports import CatalogUnitOfWork
from application.shared.ports import Principal
from domain.catalog.model import UNCHANGED, Course, LessonVideoRef, Unchanged
from domain.shared.errors import InvalidValue
from domain.shared.files import FilePurpose, VideoKind


def attached_key(uow: CatalogUnitOfWork, actor: Principal, course: Course,
                 purpose: FilePurpose, upload_id: str) -> str:
    return uow.files.attach(upload_id, purpose, actor.user_id, course.id).key


def chosen_video(uow: CatalogUnitOfWork, actor: Principal, course: Course,
                 upload_id: str | None, url: str | None) -> LessonVideoRef | Unchanged | None:
    """The video a command names: an upload (``""`` removes the video), or an external URL
    for a free preview; neither leaves it as it is."""
    if upload_id is not None and url is not None:
        raise InvalidValue("give a video upload or a video URL, not both")
    if upload_id:
        return LessonVideoRef(VideoKind.FILE, attached_key(uow, actor, course,
                                                           FilePurpose.LESSON_VIDEO, upload_id))
    if url:
        return LessonVideoRef(VideoKind.EXTERNAL, url)
    return None if upload_id == "" or url == "" else UNCHANGED


def discard_replaced(uow: CatalogUnitOfWork, old: LessonVideoRef | None,
                     new: LessonVideoRef | None, now: datetime) -> None:
    """An uploaded video no lesson plays any more leaves the store after the commit."""
    if old is not None and old.kind == VideoKind.FILE and old != new:
        uow.files.discard(old.ref, now)
