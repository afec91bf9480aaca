from __future__ import annotations

from dataclasses import dataclass

from application.catalog.course_views import CourseDetails, describe_course
from application.catalog.ports import CatalogUnitOfWork
from application.files.published import FileLinks
from application.shared.audit import Auditor
from application.shared.ports import Clock, IdGenerator, Principal
from domain.catalog.model import Course, check_slug
from domain.shared.errors import Conflict, PermissionDenied
from domain.shared.money import Money
from domain.shared.roles import Role


@dataclass(frozen=True)
class CreateCourseCommand:
    actor: Principal
    title: str
    slug: str
    description: str
    price: Money


class CreateCourse:
    """A teacher starts a draft course; it has no lessons and nobody else sees it yet."""

    def __init__(self, uow: CatalogUnitOfWork, clock: Clock, ids: IdGenerator,
                 auditor: Auditor, links: FileLinks) -> None:
        self.uow, self.clock, self.ids, self.auditor = uow, clock, ids, auditor
        self.links = links

    def __call__(self, cmd: CreateCourseCommand) -> CourseDetails:
        if cmd.actor.role != Role.TEACHER:
            raise PermissionDenied("only teachers create courses")
        slug = check_slug(cmd.slug)
        with self.uow:
            if self.uow.courses.slug_taken(slug):
                raise Conflict(f"a course with the slug {slug!r} exists already")
            now = self.clock.now()
            course = Course(self.ids.new_id(), cmd.actor.user_id, cmd.title, slug,
                            cmd.description, cmd.price, now, now)
            self.uow.courses.add(course)
            self.auditor.record(self.uow, cmd.actor.user_id, "course.created", "course",
                                course.id, slug=slug)
            self.uow.commit()
            return describe_course(course, self.links)
