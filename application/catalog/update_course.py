from __future__ import annotations

from dataclasses import dataclass

from application.catalog.course_views import CourseDetails, describe_course, owned_course
from application.catalog.ports import CatalogUnitOfWork
from application.shared.ports import Clock, Principal
from domain.shared.money import Money


@dataclass(frozen=True)
class UpdateCourseCommand:
    """None leaves a field as it is; an empty ``thumbnail_key`` removes the thumbnail."""

    actor: Principal
    course_id: str
    title: str | None = None
    description: str | None = None
    price: Money | None = None
    thumbnail_key: str | None = None


class UpdateCourse:
    """The course's teacher edits its title, description, price or thumbnail; the slug stays."""

    def __init__(self, uow: CatalogUnitOfWork, clock: Clock) -> None:
        self.uow, self.clock = uow, clock

    def __call__(self, cmd: UpdateCourseCommand) -> CourseDetails:
        with self.uow:
            course = owned_course(self.uow, cmd.actor, cmd.course_id)
            course.edit(self.clock.now(), title=cmd.title, description=cmd.description,
                        price=cmd.price, thumbnail_key=cmd.thumbnail_key)
            self.uow.commit()
            return describe_course(course)
