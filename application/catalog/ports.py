"""What the catalog needs from the outside world: courses, enrollments and their read side."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from application.files.published import FileAttachments
from application.identity.published import IdentityStanding
from application.shared.ports import AuditedUnitOfWork, Page
from domain.catalog.enrollment import Enrollment
from domain.catalog.model import Course
from domain.shared.money import Money


class CourseRepository(Protocol):
    def add(self, course: Course) -> None: ...
    def get(self, course_id: str) -> Course | None: ...
    def slug_taken(self, slug: str) -> bool: ...


class EnrollmentRepository(Protocol):
    def add(self, enrollment: Enrollment) -> None: ...
    def get(self, student_id: str, course_id: str) -> Enrollment | None: ...

    def grants_access(self, student_id: str, course_id: str) -> bool:
        """Whether the student's enrollment in the course grants access now, as
        ``Enrollment.grants_access`` says, read without loading the enrollment (every live
        heartbeat asks)."""

    def active_students(self, course_id: str) -> list[str]:
        """The ids of the students whose enrollment in the course grants access now."""


class CourseStatistics(Protocol):
    def record_enrollment(self, course_id: str, delta: int = 1) -> None:
        """Atomically adds ``delta`` to the course's students_count."""

    def record_revenue(self, course_id: str, amount: Money) -> None:
        """Atomically adds ``amount`` (may be negative) to the course's revenue in its currency."""


@dataclass(frozen=True)
class CourseSummary:
    id: str
    slug: str
    title: str
    teacher_id: str
    teacher_name: str
    price: Money
    thumbnail_key: str | None
    lessons_count: int
    published_at: datetime | None
    thumbnail_url: str | None = None  # signed by the use case that shows the summary


@dataclass(frozen=True)
class CourseStats:
    course_id: str
    students_count: int
    revenue: tuple[Money, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class EnrollmentSummary:
    enrollment_id: str
    course_id: str
    course_title: str
    course_slug: str
    status: str
    enrolled_at: datetime


class CatalogQueries(Protocol):
    def published(self, page: int, page_size: int, search: str | None) -> Page[CourseSummary]:
        """Published courses, newest first; ``search`` matches titles case-insensitively."""

    def by_teacher(self, teacher_id: str) -> list[CourseSummary]: ...
    def statistics(self, course_id: str) -> CourseStats: ...
    def enrollments_of(self, student_id: str) -> list[EnrollmentSummary]:
        """The student's enrollments with their courses' titles, newest first."""


class CatalogUnitOfWork(AuditedUnitOfWork, Protocol):
    """One transaction over courses, their lessons and enrollments."""

    courses: CourseRepository
    enrollments: EnrollmentRepository
    statistics: CourseStatistics
    files: FileAttachments
    standing: IdentityStanding  # identity's: who may publish
