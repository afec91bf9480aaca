from __future__ import annotations

from dataclasses import dataclass

from application.catalog.course_files import chosen_video
from application.catalog.course_views import owned_course
from application.catalog.open_lesson import LessonDetails, describe_lesson
from application.catalog.ports import CatalogUnitOfWork
from application.shared.ports import Clock, IdGenerator, Principal
from domain.catalog.model import Unchanged


@dataclass(frozen=True)
class AddLessonCommand:
    actor: Principal
    course_id: str
    title: str
    slug: str
    is_free_preview: bool = False
    video_upload_id: str | None = None  # a completed upload made for the course's videos
    video_url: str | None = None  # an external https video: free previews only


class AddLesson:
    """The course's teacher appends a lesson; lesson slugs are unique within the course."""

    def __init__(self, uow: CatalogUnitOfWork, clock: Clock, ids: IdGenerator) -> None:
        self.uow, self.clock, self.ids = uow, clock, ids

    def __call__(self, cmd: AddLessonCommand) -> LessonDetails:
        with self.uow:
            course = owned_course(self.uow, cmd.actor, cmd.course_id)
            video = chosen_video(self.uow, cmd.actor, course, cmd.video_upload_id,
                                 cmd.video_url)
            lesson = course.add_lesson(self.ids.new_id(), cmd.title, cmd.slug,
                                       cmd.is_free_preview,
                                       None if isinstance(video, Unchanged) else video,
                                       self.clock.now())
            self.uow.commit()
            return describe_lesson(course.id, lesson)
