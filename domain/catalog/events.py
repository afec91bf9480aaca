"""What happened in the catalog: courses and enrollments."""

from __future__ import annotations

from dataclasses import dataclass

from domain.shared.events import Event


@dataclass(frozen=True)
class CoursePublished(Event):
    course_id: str
    teacher_id: str


@dataclass(frozen=True)
class StudentEnrolled(Event):
    enrollment_id: str
    course_id: str
    student_id: str
