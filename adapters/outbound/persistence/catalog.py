"""The catalog in the database: courses, lessons, statistics, enrollments; their mapping,
repositories and read-side queries."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Engine,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    bindparam,
    exists,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, composite, registry, relationship

from adapters.outbound.persistence.accounts import users
from adapters.outbound.persistence.schema import ID, EnumText, metadata, utc
from adapters.outbound.persistence.shared import Tracker
from adapters.outbound.persistence.unit_of_work import SqlUnitOfWork, audit_log
from application.catalog.course_access import CatalogCourseAccess
from application.catalog.course_roster import CatalogCourseRoster
from application.catalog.ports import CourseStats, CourseSummary, EnrollmentSummary
from application.catalog.published import ShelvedCourse
from application.shared.ports import Page
from domain.catalog.enrollment import ACCESS_STATUS, Enrollment, EnrollmentStatus
from domain.catalog.model import Course, CourseStatus, Lesson
from domain.shared.files import VideoKind
from domain.shared.money import Money

courses = Table(
    "courses",
    metadata,
    Column("id", ID, primary_key=True),
    Column("teacher_id", ID, ForeignKey("users.id"), nullable=False, index=True),
    Column("title", String(200), nullable=False),
    Column("slug", String(120), nullable=False, unique=True),
    Column("description", Text, nullable=False),
    Column("price_minor", BigInteger, nullable=False),
    Column("price_currency", String(3), nullable=False),
    Column("thumbnail_key", String(500)),
    Column("status", EnumText(CourseStatus), nullable=False),
    Column("created_at", utc(), nullable=False),
    Column("updated_at", utc(), nullable=False),
    Column("published_at", utc()),
    Column("version", Integer, nullable=False, server_default="1"),
    Index("ix_courses_status_published_at", "status", "published_at"),
)


lessons = Table(
    "lessons",
    metadata,
    Column("id", ID, primary_key=True),
    Column("course_id", ID, ForeignKey("courses.id", ondelete="CASCADE"), nullable=False),
    Column("title", String(200), nullable=False),
    Column("slug", String(120), nullable=False),
    Column("position", Integer, nullable=False),
    Column("is_free_preview", Boolean, nullable=False),
    Column("video_ref", String(500)),
    Column("video_kind", EnumText(VideoKind)),
    UniqueConstraint("course_id", "slug", name="uq_lessons_course_id_slug"),
)


course_stats = Table(
    "course_stats",
    metadata,
    Column("course_id", ID, ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True),
    Column("students_count", Integer, nullable=False, default=0),
)


course_revenue = Table(
    "course_revenue",
    metadata,
    Column("course_id", ID, ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True),
    Column("currency", String(3), primary_key=True),
    Column("amount_minor", BigInteger, nullable=False),
)


enrollments = Table(
    "enrollments",
    metadata,
    Column("id", ID, primary_key=True),
    Column("student_id", ID, ForeignKey("users.id"), nullable=False),
    Column("course_id", ID, ForeignKey("courses.id"), nullable=False, index=True),
    Column("enrolled_at", utc(), nullable=False),
    Column("source", String(64), nullable=False),
    Column("status", EnumText(EnrollmentStatus), nullable=False),
    UniqueConstraint("student_id", "course_id", name="uq_enrollments_student_id_course_id"),
)



class SqlCourseRepository:
    def __init__(self, session: Session, tracker: Tracker) -> None:
        self.session, self.tracker = session, tracker

    def add(self, course: Course) -> None:
        self.session.add(course)
        self.session.execute(insert(course_stats).values(course_id=course.id, students_count=0))
        self.tracker.track(course)

    def get(self, course_id: str) -> Course | None:
        course = self.session.get(Course, course_id)
        self.tracker.track(course)
        return course

    def slug_taken(self, slug: str) -> bool:
        found = self.session.execute(select(courses.c.id).where(courses.c.slug == slug))
        return found.first() is not None


class SqlEnrollmentRepository:
    def __init__(self, session: Session, tracker: Tracker) -> None:
        self.session, self.tracker = session, tracker
        # Answers another area's query brought along (``access_granted``), by (student,
        # course): read in this transaction, by a unit of work that changes no enrollment.
        self.granted: dict[tuple[str, str], bool] = {}

    def add(self, enrollment: Enrollment) -> None:
        self.session.add(enrollment)
        self.tracker.track(enrollment)

    def get(self, student_id: str, course_id: str) -> Enrollment | None:
        query = select(Enrollment).where(
            enrollments.c.student_id == student_id, enrollments.c.course_id == course_id
        )
        enrollment = self.session.scalars(query).first()
        self.tracker.track(enrollment)
        return enrollment

    def grants_access(self, student_id: str, course_id: str) -> bool:
        known = self.granted.get((student_id, course_id))
        if known is not None:
            return known
        return bool(self.session.execute(_ACCESS_GRANTED, {
            "student_id": student_id, "course_id": course_id}).scalar())

    def active_students(self, course_id: str) -> list[str]:
        c = enrollments.c
        return list(self.session.scalars(select(c.student_id).where(
            c.course_id == course_id, c.status == ACCESS_STATUS)))


def access_granted(student_id: Any, course_id: Any) -> Any:
    """``grants_access`` as a column, for the student and course given (parameters, or
    another area's columns: its answer then comes with that query's row, one statement fewer
    on every heartbeat, and is handed to ``SqlEnrollmentRepository.granted``). The status
    that grants access is the domain's."""
    c = enrollments.c
    return exists().where(c.student_id == student_id, c.course_id == course_id,
                          c.status == ACCESS_STATUS)


# Built once: its cache key is not worked out again on every call.
_ACCESS_GRANTED = select(access_granted(bindparam("student_id"), bindparam("course_id")))


class SqlCourseStatistics:
    def __init__(self, session: Session) -> None:
        self.session = session

    def record_enrollment(self, course_id: str, delta: int = 1) -> None:
        # One UPDATE with an arithmetic expression: concurrent enrollments cannot lose a count.
        self.session.execute(
            update(course_stats)
            .where(course_stats.c.course_id == course_id)
            .values(students_count=course_stats.c.students_count + delta)
        )

    def record_revenue(self, course_id: str, amount: Money) -> None:
        row = course_revenue.c
        changed = self.session.execute(
            update(course_revenue)
            .where(row.course_id == course_id, row.currency == amount.currency)
            .values(amount_minor=row.amount_minor + amount.amount_minor)
        )
        if changed.rowcount == 0:  # type: ignore[attr-defined]
            try:
                with self.session.begin_nested():
                    self.session.execute(insert(course_revenue).values(
                        course_id=course_id, currency=amount.currency,
                        amount_minor=amount.amount_minor))
            except IntegrityError:  # a concurrent first sale inserted the row meanwhile
                self.record_revenue(course_id, amount)


_lessons_count = (
    select(func.count(lessons.c.id))
    .where(lessons.c.course_id == courses.c.id)
    .correlate(courses)
    .scalar_subquery()
)


_summary_columns = (
    courses.c.id, courses.c.slug, courses.c.title, courses.c.teacher_id,
    users.c.full_name.label("teacher_name"), courses.c.price_minor,
    courses.c.price_currency, courses.c.thumbnail_key,
    _lessons_count.label("lessons_count"), courses.c.published_at,
)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _summary(row: Any) -> CourseSummary:
    return CourseSummary(
        id=row.id, slug=row.slug, title=row.title, teacher_id=row.teacher_id,
        teacher_name=row.teacher_name, price=Money(row.price_minor, row.price_currency),
        thumbnail_key=row.thumbnail_key, lessons_count=row.lessons_count,
        published_at=row.published_at,
    )


class SqlCatalogQueries:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def published(self, page: int, page_size: int, search: str | None) -> Page[CourseSummary]:
        where = [courses.c.status == CourseStatus.PUBLISHED]
        if search:
            where.append(courses.c.title.ilike(f"%{_escape_like(search)}%", escape="\\"))
        listing = (
            select(*_summary_columns)
            .join(users, users.c.id == courses.c.teacher_id)
            .where(*where)
            .order_by(courses.c.published_at.desc(), courses.c.id)
            .limit(page_size)
            .offset((page - 1) * page_size)
        )
        count = select(func.count()).select_from(courses).where(*where)
        with self._engine.connect() as connection:
            total = connection.execute(count).scalar_one()
            items = [_summary(row) for row in connection.execute(listing)]
        return Page(items=items, page=page, page_size=page_size, total=total)

    def by_teacher(self, teacher_id: str) -> list[CourseSummary]:
        query = (
            select(*_summary_columns)
            .join(users, users.c.id == courses.c.teacher_id)
            .where(courses.c.teacher_id == teacher_id)
            .order_by(courses.c.created_at.desc(), courses.c.id)
        )
        with self._engine.connect() as connection:
            return [_summary(row) for row in connection.execute(query)]

    def statistics(self, course_id: str) -> CourseStats:
        with self._engine.connect() as connection:
            students = connection.execute(
                select(course_stats.c.students_count)
                .where(course_stats.c.course_id == course_id)
            ).scalar_one_or_none()
            revenue = connection.execute(
                select(course_revenue.c.currency, course_revenue.c.amount_minor)
                .where(course_revenue.c.course_id == course_id)
                .order_by(course_revenue.c.currency)
            ).all()
        return CourseStats(course_id, students or 0,
                           tuple(Money(amount, currency) for currency, amount in revenue))

    def enrollments_of(self, student_id: str) -> list[EnrollmentSummary]:
        e, c = enrollments.c, courses.c
        query = (
            select(e.id, e.course_id, c.title, c.slug, e.status, e.enrolled_at)
            .join(courses, c.id == e.course_id)
            .where(e.student_id == student_id)
            .order_by(e.enrolled_at.desc(), e.id)
        )
        with self._engine.connect() as connection:
            return [EnrollmentSummary(row.id, row.course_id, row.title, row.slug,
                                      row.status.value, row.enrolled_at)
                    for row in connection.execute(query)]


def map_catalog(mapper: registry) -> None:
    mapper.map_imperatively(Lesson, lessons)
    mapper.map_imperatively(
        Course,
        courses,
        # Optimistic locking of the aggregate: the domain counts versions (every change
        # is one, lessons included) and the UPDATE names the version it read.
        version_id_col=courses.c.version,
        version_id_generator=False,
        properties={
            "price": composite(Money, courses.c.price_minor, courses.c.price_currency),
            "lessons": relationship(Lesson, order_by=lessons.c.position,
                                    cascade="all, delete-orphan", lazy="selectin"),
        },
    )
    mapper.map_imperatively(Enrollment, enrollments)


def course_access(uow: SqlUnitOfWork) -> CatalogCourseAccess:
    """The catalog's published ``CourseAccess`` over another area's transaction (ADR 10)."""
    return CatalogCourseAccess(SqlCourseRepository(uow.session, uow.tracker),
                               SqlEnrollmentRepository(uow.session, uow.tracker),
                               SqlCourseStatistics(uow.session), uow.ids)


class SqlCourseShelf:
    """The catalog's published ``CourseShelf`` over another area's transaction."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def published(self, limit: int) -> list[ShelvedCourse]:
        c = courses.c
        rows = self.session.execute(
            select(c.id, c.slug, c.title, c.description)
            .where(c.status == CourseStatus.PUBLISHED)
            .order_by(c.published_at.desc(), c.id).limit(limit))
        return [ShelvedCourse(row.id, row.slug, row.title, row.description) for row in rows]

    def titles_of(self, student_id: str) -> list[str]:
        e, c = enrollments.c, courses.c
        return list(self.session.scalars(
            select(c.title).join(enrollments, e.course_id == c.id)
            .where(e.student_id == student_id, e.status == ACCESS_STATUS)
            .order_by(e.enrolled_at.desc(), c.id).limit(50)))


def course_roster(uow: SqlUnitOfWork) -> CatalogCourseRoster:
    """The catalog's published ``CourseRoster`` over another area's transaction (read-only)."""
    return CatalogCourseRoster(SqlCourseRepository(uow.session, uow.tracker),
                               SqlEnrollmentRepository(uow.session, uow.tracker))


def _file_attachments(uow: SqlUnitOfWork) -> Any:
    # Imported on use: the files' records read the catalog's rosters, so the files module
    # imports this one.
    from adapters.outbound.persistence.files import file_attachments

    return file_attachments(uow)


def _identity_standing(uow: SqlUnitOfWork) -> Any:
    from adapters.outbound.persistence.identity import identity_standing

    return identity_standing(uow)


class SqlCatalogUnitOfWork(SqlUnitOfWork):
    repositories: ClassVar[Mapping[str, Callable[[SqlUnitOfWork], Any]]] = {
        "courses": lambda uow: SqlCourseRepository(uow.session, uow.tracker),
        "enrollments": lambda uow: SqlEnrollmentRepository(uow.session, uow.tracker),
        "statistics": lambda uow: SqlCourseStatistics(uow.session),
        "files": lambda uow: _file_attachments(uow),
        "standing": lambda uow: _identity_standing(uow),
        "audit": audit_log,
    }
