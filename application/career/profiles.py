"""What the advisor learns of a student, and which of our courses teach what they lack."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from application.career.ports import CareerUnitOfWork, StudentProfile
from domain.career.skills import extract_skills

# Enough for any catalog we serve today; matching reads titles and descriptions only.
COURSES_SCANNED = 500


def student_profile(uow: CareerUnitOfWork, user_id: str) -> StudentProfile:
    """The titles of the student's courses and the skills their courses and latest CV
    analysis show. Read in the caller's transaction."""
    courses = tuple(uow.shelf.titles_of(user_id))
    latest = uow.analyses.of_user(user_id, 1)
    skills = dict.fromkeys((*(latest[0].skills if latest else ()),
                            *extract_skills(" ".join(courses))))
    return StudentProfile(courses, tuple(skills))


@dataclass(frozen=True)
class CourseRecommendation:
    id: str
    slug: str
    title: str
    teaches: tuple[str, ...]  # the wanted skills it teaches


def courses_teaching(uow: CareerUnitOfWork, skills: Sequence[str],
                     limit: int = 5) -> list[CourseRecommendation]:
    """Published courses that teach any of ``skills`` (named in their title or
    description), those teaching the most first."""
    wanted = {skill.lower(): skill for skill in skills}
    found = []
    for course in uow.shelf.published(COURSES_SCANNED):
        taught = [wanted[name.lower()] for name in
                  extract_skills(f"{course.title}\n{course.description}")
                  if name.lower() in wanted]
        if taught:
            found.append(CourseRecommendation(course.id, course.slug, course.title,
                                              tuple(taught)))
    found.sort(key=lambda c: (-len(c.teaches), c.title))
    return found[:limit]
