"""The catalog's side of ``CourseRoster``, over the repositories of the caller's transaction."""

from __future__ import annotations

from application.catalog.ports import CourseRepository, EnrollmentRepository
from application.catalog.published import CourseCard


class CatalogCourseRoster:
    def __init__(self, courses: CourseRepository, enrollments: EnrollmentRepository) -> None:
        self.courses, self.enrollments = courses, enrollments

    def course(self, course_id: str) -> CourseCard | None:
        course = self.courses.get(course_id)
        return None if course is None else CourseCard(course.id, course.title, course.teacher_id)

    def is_active_student(self, course_id: str, student_id: str) -> bool:
        return self.enrollments.grants_access(student_id, course_id)

    def active_students(self, course_id: str) -> list[str]:
        return self.enrollments.active_students(course_id)
