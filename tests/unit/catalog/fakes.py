"""Fakes of the catalog area: courses, enrollments, statistics and the read side."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from application.catalog.course_access import CatalogCourseAccess
from application.catalog.ports import CourseStats, CourseSummary, EnrollmentSummary
from application.shared.ports import Page
from domain.catalog.enrollment import Enrollment
from domain.catalog.model import Course
from domain.files.model import StoredFile
from domain.shared.money import Money
from tests.unit.identity.fakes import IDENTITY_TABLES, identity_standing
from tests.unit.shared.fakes import FakeAuditLog, FakeDatabase, FakeUnitOfWorkBase, _Repo


class FakeCourseRepository(_Repo):
    def add(self, course: Course) -> None:
        self.uow.staging(Course)[course.id] = course
        self._track(course)

    def get(self, course_id: str) -> Course | None:
        course = self.uow.staging(Course).get(course_id) or self.uow.db.courses.get(course_id)
        return self._take(course)

    def slug_taken(self, slug: str) -> bool:
        everyone = {**self.uow.db.courses, **self.uow.staging(Course)}.values()
        return any(c.slug == slug for c in everyone)


class FakeEnrollmentRepository(_Repo):
    def add(self, enrollment: Enrollment) -> None:
        self.uow.staging(Enrollment)[enrollment.id] = enrollment
        self._track(enrollment)

    def get(self, student_id: str, course_id: str) -> Enrollment | None:
        everyone = {**self.uow.db.enrollments, **self.uow.staging(Enrollment)}.values()
        found = next((e for e in everyone
                      if e.student_id == student_id and e.course_id == course_id), None)
        return self._take(found)

    def grants_access(self, student_id: str, course_id: str) -> bool:
        found = self.get(student_id, course_id)
        return found is not None and found.grants_access

    def active_students(self, course_id: str) -> list[str]:
        everyone = {**self.uow.db.enrollments, **self.uow.staging(Enrollment)}.values()
        return [e.student_id for e in everyone
                if e.course_id == course_id and e.grants_access]


class FakeCourseStatistics(_Repo):
    def record_enrollment(self, course_id: str, delta: int = 1) -> None:
        self.uow.staged_ops.append(lambda db: db.students_count.__setitem__(
            course_id, db.students_count.get(course_id, 0) + delta))

    def record_revenue(self, course_id: str, amount: Money) -> None:
        key = (course_id, amount.currency)
        self.uow.staged_ops.append(lambda db: db.revenue.__setitem__(
            key, db.revenue.get(key, 0) + amount.amount_minor))


class FakeCatalogQueries:
    """Reads the FakeDatabase the way the SQL queries read tables."""

    def __init__(self, db: FakeDatabase) -> None:
        self.db = db

    def _summary(self, course: Course) -> CourseSummary:
        teacher = self.db.users.get(course.teacher_id)
        return CourseSummary(course.id, course.slug, course.title, course.teacher_id,
                             teacher.full_name if teacher else "", course.price,
                             course.thumbnail_key, len(course.lessons), course.published_at)

    def published(self, page: int, page_size: int, search: str | None) -> Page[CourseSummary]:
        found = [c for c in self.db.courses.values() if c.is_published
                 and (not search or search.lower() in c.title.lower())]
        found.sort(key=lambda c: (-c.published_at.timestamp(), c.id))  # as SQL breaks ties
        start = (page - 1) * page_size
        return Page([self._summary(c) for c in found[start:start + page_size]], page,
                    page_size, len(found))

    def by_teacher(self, teacher_id: str) -> list[CourseSummary]:
        mine = [c for c in self.db.courses.values() if c.teacher_id == teacher_id]
        mine.sort(key=lambda c: (-c.created_at.timestamp(), c.id))
        return [self._summary(c) for c in mine]

    def statistics(self, course_id: str) -> CourseStats:
        revenue = tuple(Money(amount, currency) for (cid, currency), amount
                        in sorted(self.db.revenue.items()) if cid == course_id)
        return CourseStats(course_id, self.db.students_count.get(course_id, 0), revenue)

    def enrollments_of(self, student_id: str) -> list[EnrollmentSummary]:
        mine = [e for e in self.db.enrollments.values() if e.student_id == student_id]
        mine.sort(key=lambda e: (-e.enrolled_at.timestamp(), e.id))
        return [EnrollmentSummary(e.id, e.course_id, self.db.courses[e.course_id].title,
                                  self.db.courses[e.course_id].slug, e.status.value,
                                  e.enrolled_at) for e in mine]


def course_access(uow: FakeUnitOfWorkBase) -> CatalogCourseAccess:
    """The catalog's published ``CourseAccess`` over another area's fake transaction."""
    return CatalogCourseAccess(FakeCourseRepository(uow), FakeEnrollmentRepository(uow),
                               FakeCourseStatistics(uow), uow.ids)


CATALOG_TABLES: Mapping[type[Any], str] = {Course: "courses", Enrollment: "enrollments"}
# One course per slug and one enrollment per student and course, as the database's unique
# indexes hold.
CATALOG_UNIQUE: Mapping[type[Any], Callable[[Any], tuple[str, ...]]] = {
    Course: lambda c: (c.slug,), Enrollment: lambda e: (e.student_id, e.course_id)}


def _file_attachments(uow: FakeUnitOfWorkBase) -> Any:
    from tests.unit.files.fakes import file_attachments  # the files' fakes import these

    return file_attachments(uow)


class FakeCatalogUnitOfWork(FakeUnitOfWorkBase):
    repositories: ClassVar[Mapping[str, Callable[[Any], Any]]] = {
        "courses": FakeCourseRepository,
        "enrollments": FakeEnrollmentRepository,
        "statistics": FakeCourseStatistics,
        "files": lambda uow: _file_attachments(uow),
        "standing": identity_standing,
        "audit": FakeAuditLog,
    }
    # Attaching and discarding files changes their records in the catalog's transaction.
    # and publishing reads the identity area's teacher applications.
    tables = {**CATALOG_TABLES, StoredFile: "stored_files", **IDENTITY_TABLES}
    unique = CATALOG_UNIQUE
