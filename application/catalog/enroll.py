from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from application.catalog.ports import CatalogUnitOfWork
from application.shared.audit import Auditor
from application.shared.ports import Clock, IdGenerator, Principal
from domain.catalog.enrollment import CheckoutRequired, Enrollment
from domain.shared.errors import Conflict, NotFound, PermissionDenied
from domain.shared.roles import Role


@dataclass(frozen=True)
class EnrollCommand:
    actor: Principal
    course_id: str


@dataclass(frozen=True)
class EnrollResult:
    enrollment_id: str
    course_id: str
    student_id: str
    status: str
    enrolled_at: datetime
    created: bool


def _result(enrollment: Enrollment, created: bool) -> EnrollResult:
    return EnrollResult(enrollment.id, enrollment.course_id, enrollment.student_id,
                        enrollment.status.value, enrollment.enrolled_at, created)


class Enroll:
    """A student joins a free, published course. Idempotent: enrolling again (even at the same
    moment, from a double click) returns the one enrollment and counts the student once."""

    def __init__(self, uow: CatalogUnitOfWork, clock: Clock, ids: IdGenerator,
                 auditor: Auditor) -> None:
        self.uow, self.clock, self.ids, self.auditor = uow, clock, ids, auditor

    def __call__(self, cmd: EnrollCommand) -> EnrollResult:
        if cmd.actor.role != Role.STUDENT:
            raise PermissionDenied("only students enroll in courses")
        student_id = cmd.actor.user_id
        with self.uow:
            course = self.uow.courses.get(cmd.course_id)
            if course is None or not course.is_published:
                raise NotFound("no such course")
            existing = self.uow.enrollments.get(student_id, course.id)
            if existing is not None:
                return _result(existing, created=False)
            if not course.is_free:
                raise CheckoutRequired(
                    f"this course costs {course.price.to_decimal_string()} "
                    f"{course.price.currency}: checkout is required to enroll")
            enrollment = Enrollment.start(self.ids.new_id(), student_id, course, self.clock.now())
            self.uow.statistics.record_enrollment(course.id)
            self.auditor.record(self.uow, student_id, "enrollment.created", "enrollment",
                                enrollment.id, course_id=course.id)
            # Added last, so a concurrent duplicate meets the unique constraint in commit().
            self.uow.enrollments.add(enrollment)
            try:
                self.uow.commit()
            except Conflict:  # a concurrent request enrolled the student first
                self.uow.rollback()
                existing = self.uow.enrollments.get(student_id, course.id)
                if existing is None:
                    raise
                return _result(existing, created=False)
            return _result(enrollment, created=True)
