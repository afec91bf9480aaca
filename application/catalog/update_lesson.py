from __future__ import annotations

from dataclasses import dataclass

from application.catalog.course_views import owned_course
from application.catalog.open_lesson import LessonDetails, describe_lesson
from application.catalog.ports import CatalogUnitOfWork
from application.shared.ports import Clock, Principal


@dataclass(frozen=True)
class UpdateLessonCommand:
    """None leaves a field as it is; an empty ``video_ref`` removes the video."""

    actor: Principal
    course_id: str
    lesson_id: str
    title: str | None = None
    is_free_preview: bool | None = None
    video_ref: str | None = None


class UpdateLesson:
    """The course's teacher renames a lesson, sets its video or makes it a free preview."""

    def __init__(self, uow: CatalogUnitOfWork, clock: Clock) -> None:
        self.uow, self.clock = uow, clock

    def __call__(self, cmd: UpdateLessonCommand) -> LessonDetails:
        with self.uow:
            course = owned_course(self.uow, cmd.actor, cmd.course_id)
            lesson = course.edit_lesson(cmd.lesson_id, self.clock.now(), title=cmd.title,
                                        is_free_preview=cmd.is_free_preview,
                                        video_ref=cmd.video_ref)
            self.uow.commit()
            return describe_lesson(course.id, lesson)
