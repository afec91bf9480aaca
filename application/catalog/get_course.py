from __future__ import annotations

from dataclasses import dataclass

from application.catalog.course_views import CourseDetails, describe_course, visible_course
from application.catalog.ports import CatalogUnitOfWork
from application.files.published import FileLinks
from application.shared.ports import Principal


@dataclass(frozen=True)
class GetCourseQuery:
    actor: Principal | None
    course_id: str


class GetCourse:
    """A published course for anyone; a draft only for its teacher and platform admins."""

    def __init__(self, uow: CatalogUnitOfWork, links: FileLinks) -> None:
        self.uow = uow
        self.links = links

    def __call__(self, query: GetCourseQuery) -> CourseDetails:
        with self.uow:
            return describe_course(visible_course(self.uow, query.actor, query.course_id),
                                   self.links)
