from __future__ import annotations

from dataclasses import dataclass

from application.files.ports import FilesUnitOfWork, LessonViews
from application.shared.ports import Principal
from domain.shared.errors import NotFound, PermissionDenied
from domain.shared.roles import Role


@dataclass(frozen=True)
class ListLessonViewsQuery:
    actor: Principal
    course_id: str


class ListLessonViews:
    """How often each lesson's video was opened, and by how many people: for the course's
    teacher and administrators."""

    def __init__(self, uow: FilesUnitOfWork) -> None:
        self.uow = uow

    def __call__(self, query: ListLessonViewsQuery) -> list[LessonViews]:
        with self.uow:
            course = self.uow.roster.course(query.course_id)
            if course is None:
                raise NotFound("no such course")
            if course.teacher_id != query.actor.user_id and \
                    query.actor.role != Role.PLATFORM_ADMIN:
                raise PermissionDenied("only the course's teacher sees its views")
            return self.uow.queries.lesson_views(query.course_id)
