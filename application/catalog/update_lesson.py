from __future__ import annotations

from dataclasses import dataclass

from application.catalog.course_files import chosen_video, discard_replaced
from application.catalog.course_views import owned_course
from application.catalog.open_lesson import LessonDetails, describe_lesson
from application.catalog.ports import CatalogUnitOfWork
from application.shared.ports import Clock, Principal


@dataclass(frozen=True)
class UpdateLessonCommand:
    """None leaves a field as it is; an empty ``video_upload_id`` or ``video_url`` removes
    the video."""

    actor: Principal
    course_id: str
    lesson_id: str
    title: str | None = None
    is_free_preview: bool | None = None
    video_upload_id: str | None = None  # a completed upload made for the course's videos
    video_url: str | None = None  # an external https video: free previews only


class UpdateLesson:
    """The course's teacher renames a lesson, sets its video or makes it a free preview. A
    replaced uploaded video leaves the store after the commit."""

    def __init__(self, uow: CatalogUnitOfWork, clock: Clock) -> None:
        self.uow, self.clock = uow, clock

    def __call__(self, cmd: UpdateLessonCommand) -> LessonDetails:
        now = self.clock.now()
        with self.uow:
            course = owned_course(self.uow, cmd.actor, cmd.course_id)
            old = course.lesson(cmd.lesson_id).video
            video = chosen_video(self.uow, cmd.actor, course, cmd.video_upload_id,
                                 cmd.video_url)
            lesson = course.edit_lesson(cmd.lesson_id, now, title=cmd.title,
                                        is_free_preview=cmd.is_free_preview, video=video)
            discard_replaced(self.uow, old, lesson.video, now)
            self.uow.commit()
            return describe_lesson(course.id, lesson)
