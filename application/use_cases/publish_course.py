from __future__ import annotations

from dataclasses import dataclass

from application.audit import Auditor
from application.ports import Clock, Principal, UnitOfWork
from application.use_cases.get_course import CourseDetails, describe_course, owned_course


@dataclass(frozen=True)
class PublishCourseCommand:
    actor: Principal
    course_id: str


class PublishCourse:
    """The course's teacher publishes it (it needs a lesson); publishing again is a no-op."""

    def __init__(self, uow: UnitOfWork, clock: Clock, auditor: Auditor) -> None:
        self.uow, self.clock, self.auditor = uow, clock, auditor

    def __call__(self, cmd: PublishCourseCommand) -> CourseDetails:
        with self.uow:
            course = owned_course(self.uow, cmd.actor, cmd.course_id)
            if not course.is_published:
                course.publish(self.clock.now())
                self.auditor.record(self.uow, cmd.actor.user_id, "course.published", "course",
                                    course.id)
                self.uow.commit()
            return describe_course(course)
