from __future__ import annotations

from dataclasses import dataclass

from application.live.access import may_see_course
from application.live.ports import LiveUnitOfWork
from application.live.session_views import SessionView, describe_session
from application.shared.ports import Principal
from domain.shared.errors import NotFound, PermissionDenied


@dataclass(frozen=True)
class ListLiveSessionsQuery:
    actor: Principal
    course_id: str


class ListLiveSessions:
    """A course's live sessions, soonest first, for its teacher, its students and admins."""

    def __init__(self, uow: LiveUnitOfWork) -> None:
        self.uow = uow

    def __call__(self, query: ListLiveSessionsQuery) -> list[SessionView]:
        with self.uow:
            course = self.uow.roster.course(query.course_id)
            if course is None:
                raise NotFound(f"no course {query.course_id}")
            if not may_see_course(self.uow, query.actor, course.id, course.teacher_id):
                raise PermissionDenied("only the course's teacher, its enrolled students and "
                                       "platform admins see its live sessions")
            return [describe_session(s) for s in self.uow.sessions.for_course(course.id)]
