from __future__ import annotations

from dataclasses import dataclass

from application.catalog.course_views import CourseDetails, describe_course, owned_course
from application.catalog.ports import CatalogUnitOfWork
from application.shared.config import VerificationPolicy
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
    """The course's teacher edits its title, description, price or thumbnail; the slug stays.
    Putting a price on a published course is selling: it needs a confirmed email address."""

    def __init__(self, uow: CatalogUnitOfWork, clock: Clock,
                 verification: VerificationPolicy) -> None:
        self.uow, self.clock, self.verification = uow, clock, verification

    def __call__(self, cmd: UpdateCourseCommand) -> CourseDetails:
        with self.uow:
            course = owned_course(self.uow, cmd.actor, cmd.course_id)
            if course.is_published and cmd.price is not None and cmd.price.amount_minor > 0:
                self.verification.ensure(cmd.actor, "sell a course")
            course.edit(self.clock.now(), title=cmd.title, description=cmd.description,
                        price=cmd.price, thumbnail_key=cmd.thumbnail_key)
            self.uow.commit()
            return describe_course(course)
