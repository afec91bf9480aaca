from __future__ import annotations

from dataclasses import dataclass

from application.catalog.course_views import visible_course
from application.catalog.ports import CatalogUnitOfWork
from application.files.published import LessonVideo, LessonVideos, Playback
from application.shared.ports import Principal
from domain.catalog.enrollment import ensure_can_open_lesson
from domain.catalog.model import Lesson
from domain.shared.roles import Role


@dataclass(frozen=True)
class LessonDetails:
    """A lesson with where its video comes from; ``playback`` (how to play it now) only for
    those who may watch it, when they open the lesson."""

    id: str
    course_id: str
    title: str
    slug: str
    position: int
    is_free_preview: bool
    video_kind: str | None
    playback: Playback | None = None


def describe_lesson(course_id: str, lesson: Lesson,
                    playback: Playback | None = None) -> LessonDetails:
    return LessonDetails(lesson.id, course_id, lesson.title, lesson.slug, lesson.position,
                         lesson.is_free_preview,
                         lesson.video_kind.value if lesson.video_kind else None, playback)


@dataclass(frozen=True)
class OpenLessonQuery:
    actor: Principal
    course_id: str
    lesson_id: str
    ip_address: str = ""  # the viewer's, for the video's watermark


class OpenLesson:
    """Enrolled students, the course's teacher, platform admins, and anyone signed in for a
    free preview; they get the video's playback (recorded as a view). Anyone else is refused
    before any video vault is asked."""

    def __init__(self, uow: CatalogUnitOfWork, videos: LessonVideos) -> None:
        self.uow, self.videos = uow, videos

    def __call__(self, query: OpenLessonQuery) -> LessonDetails:
        actor = query.actor
        with self.uow:
            course = visible_course(self.uow, actor, query.course_id)
            lesson = course.lesson(query.lesson_id)
            enrollment = self.uow.enrollments.get(actor.user_id, course.id)
            ensure_can_open_lesson(actor.user_id, Role(actor.role), course, lesson, enrollment)
        video = lesson.video
        playback = None if video is None else self.videos.play(
            course.id, lesson.id, LessonVideo(video.kind, video.ref), actor.user_id,
            query.ip_address)
        return describe_lesson(course.id, lesson, playback)
