"""The catalog: courses a teacher builds from ordered lessons and publishes at a price."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum, StrEnum

from domain.catalog.events import CoursePublished
from domain.shared.errors import Conflict, InvalidState, InvalidValue, NotFound, PermissionDenied
from domain.shared.files import VideoKind
from domain.shared.model import Aggregate
from domain.shared.money import Money

_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_EXTERNAL_URL = re.compile(r"^https://[^\s/?#]+[^\s]{0,480}$")


def check_slug(slug: str) -> str:
    if not 1 <= len(slug) <= 120 or not _SLUG.match(slug):
        raise InvalidValue("a slug is lower-case letters and digits joined by single hyphens")
    return slug


class Unchanged(Enum):
    """A field left as it is (None is a value: no video)."""

    TOKEN = 0


UNCHANGED = Unchanged.TOKEN


class CourseStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"


@dataclass(eq=False)
class Lesson:
    id: str
    title: str
    slug: str
    position: int
    is_free_preview: bool = False
    video_ref: str | None = None  # a file key, a vault's video id or an external URL
    video_kind: VideoKind | None = None

    def __post_init__(self) -> None:
        self.title = _title(self.title)
        check_slug(self.slug)

    @property
    def video(self) -> LessonVideoRef | None:
        if self.video_kind is None or self.video_ref is None:
            return None
        return LessonVideoRef(self.video_kind, self.video_ref)

    def change(self, video: LessonVideoRef | Unchanged | None = UNCHANGED,
               is_free_preview: bool | None = None) -> None:
        if not isinstance(video, Unchanged):
            self.video_kind, self.video_ref = (video.kind, video.ref) if video else (None, None)
        if is_free_preview is not None:
            self.is_free_preview = is_free_preview
        # A video anyone can fetch from its URL is no protection for what students pay for.
        if self.video_kind == VideoKind.EXTERNAL and not self.is_free_preview:
            raise InvalidState("an external video URL is for free previews only: upload the "
                               "video of a paid lesson")


@dataclass(frozen=True)
class LessonVideoRef:
    kind: VideoKind
    ref: str

    def __post_init__(self) -> None:
        if self.kind == VideoKind.EXTERNAL and not _EXTERNAL_URL.match(self.ref):
            raise InvalidValue("an external video is an https URL of at most 500 characters")
        if not 1 <= len(self.ref) <= 500:
            raise InvalidValue("a video reference has 1 to 500 characters")


@dataclass(eq=False)
class Course(Aggregate):
    id: str
    teacher_id: str
    title: str
    slug: str
    description: str
    price: Money
    created_at: datetime
    updated_at: datetime
    thumbnail_key: str | None = None
    status: CourseStatus = CourseStatus.DRAFT
    published_at: datetime | None = None
    lessons: list[Lesson] = field(default_factory=list)
    version: int = 1  # see _changed

    def __post_init__(self) -> None:
        if self.price.amount_minor < 0:
            raise InvalidValue("a price cannot be negative")
        self.title = _title(self.title)
        check_slug(self.slug)

    @property
    def is_free(self) -> bool:
        return self.price.is_zero

    @property
    def is_published(self) -> bool:
        return self.status == CourseStatus.PUBLISHED

    def ensure_owner(self, user_id: str) -> None:
        if user_id != self.teacher_id:
            raise PermissionDenied("only the course's teacher may change it")

    def edit(
        self,
        now: datetime,
        *,
        title: str | None = None,
        description: str | None = None,
        price: Money | None = None,
        thumbnail_key: str | None = None,
    ) -> None:
        if title is not None:
            self.title = _title(title)
        if description is not None:
            self.description = description
        if price is not None:
            if price.amount_minor < 0:
                raise InvalidValue("a price cannot be negative")
            self.price = price
        if thumbnail_key is not None:
            self.thumbnail_key = thumbnail_key or None
        self._changed(now)

    def add_lesson(
        self, lesson_id: str, title: str, slug: str, is_free_preview: bool,
        video: LessonVideoRef | None, now: datetime,
    ) -> Lesson:
        if any(lesson.slug == slug for lesson in self.lessons):
            raise Conflict(f"the course already has a lesson with the slug {slug!r}")
        lesson = Lesson(lesson_id, title, slug, len(self.lessons) + 1)
        lesson.change(video, is_free_preview)
        self.lessons.append(lesson)
        self._changed(now)
        return lesson

    def edit_lesson(
        self,
        lesson_id: str,
        now: datetime,
        *,
        title: str | None = None,
        is_free_preview: bool | None = None,
        video: LessonVideoRef | Unchanged | None = UNCHANGED,
    ) -> Lesson:
        lesson = self.lesson(lesson_id)
        if title is not None:
            lesson.title = _title(title)
        lesson.change(video, is_free_preview)
        self._changed(now)
        return lesson

    def lesson(self, lesson_id: str) -> Lesson:
        for lesson in self.lessons:
            if lesson.id == lesson_id:
                return lesson
        raise NotFound("no such lesson in this course")

    def reorder_lessons(self, lesson_ids: list[str], now: datetime) -> None:
        if sorted(lesson_ids) != sorted(lesson.id for lesson in self.lessons):
            raise InvalidValue("the new order must name every lesson of the course exactly once")
        for position, lesson_id in enumerate(lesson_ids, start=1):
            self.lesson(lesson_id).position = position
        self.lessons.sort(key=lambda lesson: lesson.position)
        self._changed(now)

    def _changed(self, now: datetime) -> None:
        # Every change, to the course or to one of its lessons, is a new version: storage
        # saves it only over the version it read, so edits made at once cannot both land.
        self.updated_at = now
        self.version += 1

    def publish(self, now: datetime) -> None:
        if self.is_published:
            return
        if not self.lessons:
            raise InvalidState("a course needs at least one lesson before it is published")
        self.status = CourseStatus.PUBLISHED
        self.published_at = now
        self._changed(now)
        self.events.append(CoursePublished(course_id=self.id, teacher_id=self.teacher_id))


def _title(title: str) -> str:
    cleaned = title.strip()
    if not 1 <= len(cleaned) <= 200:
        raise InvalidValue("a title has 1 to 200 characters")
    return cleaned
