"""The catalog's part: enrollments (kept, with the pseudonymous id: access a person paid for
is a record of the sale) and the courses a teacher made (kept for their students; the
teacher's name leaves their texts)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select

from adapters.outbound.persistence.catalog import courses, enrollments
from adapters.outbound.persistence.privacy.rows import SqlSection, records, scrub
from application.shared.privacy import Person
from domain.shared.events import Event


class CatalogPersonalData(SqlSection):
    name = "catalog"
    tables = ("enrollments", "courses")

    def export(self, person: Person) -> dict[str, Any]:
        e, c = enrollments.c, courses.c
        return {
            "enrollments": records(self.session, select(
                e.course_id, c.title.label("course_title"), e.enrolled_at, e.source, e.status)
                .join(courses, c.id == e.course_id).where(e.student_id == person.user_id)
                .order_by(e.enrolled_at, e.id)),
            "courses_taught": records(self.session, select(
                c.id, c.title, c.slug, c.status, c.created_at, c.published_at)
                .where(c.teacher_id == person.user_id).order_by(c.created_at, c.id)),
        }

    def erase(self, person: Person, now: datetime) -> Sequence[Event]:
        scrub(self.session, courses, courses.c.teacher_id == person.user_id,
              [courses.c.title, courses.c.description], person)
        return ()
