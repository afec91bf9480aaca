from __future__ import annotations

from dataclasses import dataclass

from application.catalog.course_views import LessonOutline, outline, owned_course
from application.catalog.ports import CatalogUnitOfWork
from application.shared.ports import Clock, Principal


@dataclass(frozen=True)
class ReorderLessonsCommand:
    actor: Principal
    course_id: str
    lesson_ids: tuple[str, ...]


class ReorderLessons:
    """The course's teacher sets the order of all its lessons at once."""

    def __init__(self, uow: CatalogUnitOfWork, clock: Clock) -> None:
        self.uow, self.clock = uow, clock

    def __call__(self, cmd: ReorderLessonsCommand) -> list[LessonOutline]:
        with self.uow:
            course = owned_course(self.uow, cmd.actor, cmd.course_id)
            course.reorder_lessons(list(cmd.lesson_ids), self.clock.now())
            self.uow.commit()
            return list(outline(course))
