"""Read-side queries: plain SQL on table columns straight into result dataclasses."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, func, select

from adapters.outbound.persistence import tables as t
from application.ports import CourseStats, CourseSummary, EnrollmentSummary, Page
from domain.catalog import CourseStatus
from domain.money import Money

_lessons_count = (
    select(func.count(t.lessons.c.id))
    .where(t.lessons.c.course_id == t.courses.c.id)
    .correlate(t.courses)
    .scalar_subquery()
)
_summary_columns = (
    t.courses.c.id, t.courses.c.slug, t.courses.c.title, t.courses.c.teacher_id,
    t.users.c.full_name.label("teacher_name"), t.courses.c.price_minor,
    t.courses.c.price_currency, t.courses.c.thumbnail_key,
    _lessons_count.label("lessons_count"), t.courses.c.published_at,
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
        where = [t.courses.c.status == CourseStatus.PUBLISHED]
        if search:
            where.append(t.courses.c.title.ilike(f"%{_escape_like(search)}%", escape="\\"))
        listing = (
            select(*_summary_columns)
            .join(t.users, t.users.c.id == t.courses.c.teacher_id)
            .where(*where)
            .order_by(t.courses.c.published_at.desc(), t.courses.c.id)
            .limit(page_size)
            .offset((page - 1) * page_size)
        )
        count = select(func.count()).select_from(t.courses).where(*where)
        with self._engine.connect() as connection:
            total = connection.execute(count).scalar_one()
            items = [_summary(row) for row in connection.execute(listing)]
        return Page(items=items, page=page, page_size=page_size, total=total)

    def by_teacher(self, teacher_id: str) -> list[CourseSummary]:
        query = (
            select(*_summary_columns)
            .join(t.users, t.users.c.id == t.courses.c.teacher_id)
            .where(t.courses.c.teacher_id == teacher_id)
            .order_by(t.courses.c.created_at.desc(), t.courses.c.id)
        )
        with self._engine.connect() as connection:
            return [_summary(row) for row in connection.execute(query)]

    def statistics(self, course_id: str) -> CourseStats:
        with self._engine.connect() as connection:
            students = connection.execute(
                select(t.course_stats.c.students_count)
                .where(t.course_stats.c.course_id == course_id)
            ).scalar_one_or_none()
            revenue = connection.execute(
                select(t.course_revenue.c.currency, t.course_revenue.c.amount_minor)
                .where(t.course_revenue.c.course_id == course_id)
                .order_by(t.course_revenue.c.currency)
            ).all()
        return CourseStats(course_id, students or 0,
                           tuple(Money(amount, currency) for currency, amount in revenue))

    def enrollments_of(self, student_id: str) -> list[EnrollmentSummary]:
        e, c = t.enrollments.c, t.courses.c
        query = (
            select(e.id, e.course_id, c.title, c.slug, e.status, e.enrolled_at)
            .join(t.courses, c.id == e.course_id)
            .where(e.student_id == student_id)
            .order_by(e.enrolled_at.desc(), e.id)
        )
        with self._engine.connect() as connection:
            return [EnrollmentSummary(row.id, row.course_id, row.title, row.slug,
                                      row.status.value, row.enrolled_at)
                    for row in connection.execute(query)]
