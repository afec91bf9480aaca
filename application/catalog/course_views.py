"""How the catalog's use cases see a course: who may manage or see it, and its details."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from application.catalog.ports import CatalogUnitOfWork, CourseSummary
from application.files.published import FileLinks
from application.shared.ports import Principal
from domain.catalog.model import Course
from domain.shared.errors import NotFound, PermissionDenied
from domain.shared.money import Money
from domain.shared.roles import Role


@dataclass(frozen=True)
class LessonOutline:
    """A lesson as the course page lists it: never its video."""

    id: str
    title: str
    slug: str
    position: int
    is_free_preview: bool


@dataclass(frozen=True)
class CourseDetails:
    id: str
    teacher_id: str
    title: str
    slug: str
    description: str
    price: Money
    thumbnail_url: str | None  # signed; see FileLinks.public_link
    status: str
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None
    lessons: tuple[LessonOutline, ...]


def thumbnail_url(links: FileLinks, key: str | None) -> str | None:
    return links.public_link(key).url if key else None


def with_thumbnail(links: FileLinks, summary: CourseSummary) -> CourseSummary:
    return replace(summary, thumbnail_url=thumbnail_url(links, summary.thumbnail_key))


def outline(course: Course) -> tuple[LessonOutline, ...]:
    return tuple(LessonOutline(lesson.id, lesson.title, lesson.slug, lesson.position,
                               lesson.is_free_preview) for lesson in course.lessons)


def describe_course(course: Course, links: FileLinks) -> CourseDetails:
    lessons = outline(course)
    return CourseDetails(course.id, course.teacher_id, course.title, course.slug,
                         course.description, course.price,
                         thumbnail_url(links, course.thumbnail_key),
                         course.status.value, course.created_at, course.updated_at,
                         course.published_at, lessons)


def teaches(actor: Principal | None, course: Course) -> bool:
    """The course's teacher, still a teacher: a role that ended ends what came with it."""
    return actor is not None and actor.user_id == course.teacher_id \
        and actor.role == Role.TEACHER


def manages(actor: Principal | None, course: Course) -> bool:
    """The course's teacher and platform admins see drafts and statistics."""
    return teaches(actor, course) or (actor is not None and actor.role == Role.PLATFORM_ADMIN)


def owned_course(uow: CatalogUnitOfWork, actor: Principal, course_id: str) -> Course:
    """The course its teacher is changing; anyone else, its author demoted from teacher
    included, is refused (PermissionDenied)."""
    course = uow.courses.get(course_id)
    if course is None:
        raise NotFound("no such course")
    course.ensure_owner(actor.user_id)
    if not teaches(actor, course):
        raise PermissionDenied("only teachers change courses: your role is no longer teacher")
    return course


def visible_course(uow: CatalogUnitOfWork, actor: Principal | None, course_id: str) -> Course:
    """The course if the actor may see it; a draft is NotFound to everyone else."""
    course = uow.courses.get(course_id)
    if course is None or not (course.is_published or manages(actor, course)):
        raise NotFound("no such course")
    return course
