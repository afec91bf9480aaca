from __future__ import annotations

from dataclasses import dataclass

from application.catalog.course_views import manages
from application.catalog.ports import CatalogQueries, CatalogUnitOfWork, CourseStats
from application.shared.ports import Principal
from domain.shared.errors import NotFound, PermissionDenied


@dataclass(frozen=True)
class CourseStatisticsQuery:
    actor: Principal
    course_id: str


class GetCourseStatistics:
    """Students and revenue of a course, for its teacher and platform admins."""

    def __init__(self, uow: CatalogUnitOfWork, queries: CatalogQueries) -> None:
        self.uow, self.queries = uow, queries

    def __call__(self, query: CourseStatisticsQuery) -> CourseStats:
        with self.uow:
            course = self.uow.courses.get(query.course_id)
            if course is None:
                raise NotFound("no such course")
            if not manages(query.actor, course):
                raise PermissionDenied("only the course's teacher and platform admins see this")
        return self.queries.statistics(course.id)
