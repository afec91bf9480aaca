"""The catalog's published interface: what another area may ask of it.

Payments sells access to courses, and money and access must never disagree, so these calls
run inside the caller's own transaction (its unit of work exposes ``course_access``). This is
the one seam through which a transaction spans two areas (ADR 10).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from domain.shared.money import Money


@dataclass(frozen=True)
class CourseOffer:
    """A course as a buyer sees it: what is sold, and at what price."""

    id: str
    title: str
    price: Money
    teacher_id: str


class CourseAccess(Protocol):
    """Access to courses granted by something outside the catalog (``source``, such as
    ``"order:<id>"``). Every call is idempotent: granting twice counts the student once."""

    def offer(self, student_id: str, course_id: str) -> CourseOffer:
        """A published, paid course the student has no access to yet. Raises ``NotFound``
        for an unknown or unpublished course, ``InvalidValue`` for a free one and
        ``Conflict`` when the student already has access."""

    def grant(self, student_id: str, course_id: str, source: str, now: datetime) -> None:
        """Enrolls the student (or reactivates a revoked enrollment) and counts them once.
        Raises ``NotFound`` when the course is gone."""

    def record_revenue(self, course_id: str, amount: Money) -> None:
        """Adds ``amount`` (negative to take back) to the course's revenue in its currency."""

    def suspend(self, student_id: str, course_ids: Iterable[str], source: str) -> None:
        """Pauses the access that ``source`` granted (a disputed payment)."""

    def restore(self, student_id: str, course_ids: Iterable[str], source: str) -> None:
        """Gives back access paused by ``suspend`` (a dispute won)."""

    def revoke(self, student_id: str, course_ids: Iterable[str], source: str) -> None:
        """Ends the access that ``source`` granted and uncounts the student (a full refund,
        a dispute lost)."""


@dataclass(frozen=True)
class CourseCard:
    """A course as another area names it."""

    id: str
    title: str
    teacher_id: str


class CourseRoster(Protocol):
    """Who belongs to a course, read in the caller's transaction (live classes admit people
    by it). Read-only."""

    def course(self, course_id: str) -> CourseCard | None:
        """The course, draft or published; None when there is none."""

    def is_active_student(self, course_id: str, student_id: str) -> bool:
        """Enrolled with access now: not suspended by a dispute, not refunded."""

    def active_students(self, course_id: str) -> list[str]:
        """The user ids of every student with access now, in no particular order."""


@dataclass(frozen=True)
class ShelvedCourse:
    """A published course as another area recommends it."""

    id: str
    slug: str
    title: str
    description: str


class CourseShelf(Protocol):
    """Published courses and a student's own, read in the caller's transaction. Read-only."""

    def published(self, limit: int) -> list[ShelvedCourse]:
        """Up to ``limit`` published courses, the most recently published first."""

    def titles_of(self, student_id: str) -> list[str]:
        """The titles of the courses the student has access to now, the newest first."""
