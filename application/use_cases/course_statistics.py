from __future__ import annotations

from dataclasses import dataclass

from application.ports import CatalogQueries, CourseStats, Principal, UnitOfWork
from application.use_cases.get_course import manages
from domain.errors import NotFound, PermissionDenied


@dataclass(frozen=True)
class CourseStatisticsQuery:
    actor: Principal
    course_id: str


class GetCourseStatistics:
    """Students and revenue of a course, for its teacher and platform admins."""

    def __init__(self, uow: UnitOfWork, queries: CatalogQueries) -> None:
        self.uow, self.queries = uow, queries

    def __call__(self, query: CourseStatisticsQuery) -> CourseStats:
        with self.uow:
            course = self.uow.courses.get(query.course_id)
            if course is None:
                raise NotFound("no such course")
            if not manages(query.actor, course):
                raise PermissionDenied("only the course's teacher and platform admins see this")
        return self.queries.statistics(course.id)
