"""The catalog's side of ``CourseAccess``, over the repositories of the caller's transaction."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime

from application.catalog.ports import CourseRepository, CourseStatistics, EnrollmentRepository
from application.catalog.published import CourseOffer
from application.shared.ports import IdGenerator
from domain.catalog.enrollment import Enrollment
from domain.shared.errors import Conflict, InvalidValue, NotFound
from domain.shared.money import Money


class CatalogCourseAccess:
    def __init__(self, courses: CourseRepository, enrollments: EnrollmentRepository,
                 statistics: CourseStatistics, ids: IdGenerator) -> None:
        self.courses, self.enrollments = courses, enrollments
        self.statistics, self.ids = statistics, ids

    def offer(self, student_id: str, course_id: str) -> CourseOffer:
        course = self.courses.get(course_id)
        if course is None or not course.is_published:
            raise NotFound(f"no such course: {course_id}")
        if course.is_free:
            raise InvalidValue(f"{course.title!r} is free: enroll without checkout")
        enrollment = self.enrollments.get(student_id, course_id)
        if enrollment is not None and enrollment.grants_access:
            raise Conflict(f"you are already enrolled in {course.title!r}")
        return CourseOffer(course.id, course.title, course.price, course.teacher_id)

    def grant(self, student_id: str, course_id: str, source: str, now: datetime) -> None:
        enrollment = self.enrollments.get(student_id, course_id)
        if enrollment is None:
            course = self.courses.get(course_id)
            if course is None:
                raise NotFound(f"course {course_id} of {source} is gone")
            self.enrollments.add(Enrollment.start(self.ids.new_id(), student_id, course, now,
                                                  source))
            self.statistics.record_enrollment(course_id)
        elif enrollment.reactivate(source, now):
            self.statistics.record_enrollment(course_id)

    def record_revenue(self, course_id: str, amount: Money) -> None:
        self.statistics.record_revenue(course_id, amount)

    def suspend(self, student_id: str, course_ids: Iterable[str], source: str) -> None:
        for enrollment in self._granted_by(student_id, course_ids, source):
            enrollment.suspend()

    def restore(self, student_id: str, course_ids: Iterable[str], source: str) -> None:
        for enrollment in self._granted_by(student_id, course_ids, source):
            enrollment.restore()

    def revoke(self, student_id: str, course_ids: Iterable[str], source: str) -> None:
        for enrollment in self._granted_by(student_id, course_ids, source):
            if enrollment.revoke():
                self.statistics.record_enrollment(enrollment.course_id, -1)

    def _granted_by(self, student_id: str, course_ids: Iterable[str],
                    source: str) -> Iterator[Enrollment]:
        for course_id in course_ids:
            enrollment = self.enrollments.get(student_id, course_id)
            if enrollment is not None and enrollment.source == source:
                yield enrollment
