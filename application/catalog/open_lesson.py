from __future__ import annotations

from dataclasses import dataclass

from application.catalog.course_views import visible_course
from application.catalog.ports import CatalogUnitOfWork
from application.shared.ports import Principal
from domain.catalog.enrollment import ensure_can_open_lesson
from domain.catalog.model import Lesson
from domain.shared.roles import Role


@dataclass(frozen=True)
class LessonDetails:
    """A lesson with its video reference: only for those who may watch it."""

    id: str
    course_id: str
    title: str
    slug: str
    position: int
    is_free_preview: bool
    video_ref: str | None


def describe_lesson(course_id: str, lesson: Lesson) -> LessonDetails:
    return LessonDetails(lesson.id, course_id, lesson.title, lesson.slug, lesson.position,
                         lesson.is_free_preview, lesson.video_ref)


@dataclass(frozen=True)
class OpenLessonQuery:
    actor: Principal
    course_id: str
    lesson_id: str


class OpenLesson:
    """Enrolled students, the course's teacher, platform admins, and anyone signed in for a
    free preview."""

    def __init__(self, uow: CatalogUnitOfWork) -> None:
        self.uow = uow

    def __call__(self, query: OpenLessonQuery) -> LessonDetails:
        actor = query.actor
        with self.uow:
            course = visible_course(self.uow, actor, query.course_id)
            lesson = course.lesson(query.lesson_id)
            enrollment = self.uow.enrollments.get(actor.user_id, course.id)
            ensure_can_open_lesson(actor.user_id, Role(actor.role), course, lesson, enrollment)
            return describe_lesson(course.id, lesson)
