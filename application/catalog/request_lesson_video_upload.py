from __future__ import annotations

from dataclasses import dataclass

from application.catalog.course_files import discard_replaced
from application.catalog.course_views import owned_course
from application.catalog.ports import CatalogUnitOfWork
from application.files.published import LessonVideos, VideoUploadCredentials
from application.shared.ports import Clock, Principal
from domain.catalog.model import LessonVideoRef
from domain.shared.files import VideoKind


@dataclass(frozen=True)
class RequestLessonVideoUploadCommand:
    actor: Principal
    course_id: str
    lesson_id: str


class RequestLessonVideoUpload:
    """The course's teacher gets credentials to upload a lesson's video straight to the
    video vault; the lesson keeps the vault's new video id from now on (the id never comes
    from the client). Each call is a new video in the vault."""

    def __init__(self, uow: CatalogUnitOfWork, videos: LessonVideos, clock: Clock) -> None:
        self.uow, self.videos, self.clock = uow, videos, clock

    def __call__(self, cmd: RequestLessonVideoUploadCommand) -> VideoUploadCredentials:
        with self.uow:
            course = owned_course(self.uow, cmd.actor, cmd.course_id)
            title = f"{course.title}: {course.lesson(cmd.lesson_id).title}"[:200]
        # Asked between two transactions: no lock waits on the vault.
        credentials = self.videos.upload_credentials(title)
        now = self.clock.now()
        with self.uow:
            course = owned_course(self.uow, cmd.actor, cmd.course_id)
            old = course.lesson(cmd.lesson_id).video
            lesson = course.edit_lesson(cmd.lesson_id, now, video=LessonVideoRef(
                VideoKind.VAULT, credentials.video_id))
            discard_replaced(self.uow, old, lesson.video, now)
            self.uow.commit()
        return credentials
