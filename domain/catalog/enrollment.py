"""Enrollment: a student's access to a course, and who may open which lesson."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from domain.catalog.events import StudentEnrolled
from domain.catalog.model import Course, Lesson
from domain.shared.errors import DomainError, PermissionDenied
from domain.shared.model import Aggregate
from domain.shared.roles import Role


class CheckoutRequired(DomainError):
    """A paid course cannot be enrolled in without paying."""

    code = "checkout_required"


class EnrollmentStatus(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    REVOKED = "revoked"


# The one status whose enrollment lets the student in (a dispute suspends, a refund revokes).
ACCESS_STATUS = EnrollmentStatus.ACTIVE


@dataclass(eq=False)
class Enrollment(Aggregate):
    id: str
    student_id: str
    course_id: str
    enrolled_at: datetime
    source: str = "free"
    status: EnrollmentStatus = EnrollmentStatus.ACTIVE

    @classmethod
    def start(
        cls, id: str, student_id: str, course: Course, now: datetime, source: str = "free"
    ) -> Enrollment:
        enrollment = cls(id, student_id, course.id, now, source)
        enrollment.events.append(
            StudentEnrolled(enrollment_id=id, course_id=course.id, student_id=student_id)
        )
        return enrollment

    @property
    def grants_access(self) -> bool:
        return self.status == ACCESS_STATUS

    def suspend(self) -> bool:
        """While a payment is disputed. True when access changed."""
        if self.status != EnrollmentStatus.ACTIVE:
            return False
        self.status = EnrollmentStatus.SUSPENDED
        return True

    def restore(self) -> bool:
        """A dispute was won. True when access changed."""
        if self.status != EnrollmentStatus.SUSPENDED:
            return False
        self.status = EnrollmentStatus.ACTIVE
        return True

    def revoke(self) -> bool:
        """Refunded in full or lost in a dispute. True when the student lost access."""
        if self.status == EnrollmentStatus.REVOKED:
            return False
        self.status = EnrollmentStatus.REVOKED
        return True

    def reactivate(self, source: str, now: datetime) -> bool:
        """Bought again after a revocation."""
        if self.status != EnrollmentStatus.REVOKED:
            return False
        self.status, self.source, self.enrolled_at = EnrollmentStatus.ACTIVE, source, now
        return True


def ensure_can_open_lesson(
    user_id: str, role: Role, course: Course, lesson: Lesson, enrollment: Enrollment | None
) -> None:
    """Enrolled students, the course's teacher, platform admins and free previews get in."""
    if course.teacher_id == user_id or role == Role.PLATFORM_ADMIN:
        return
    if not course.is_published:
        raise PermissionDenied("this course is not published")
    if lesson.is_free_preview:
        return
    if enrollment is None or not enrollment.grants_access:
        raise PermissionDenied("enroll in the course to open this lesson")

