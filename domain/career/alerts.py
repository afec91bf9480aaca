"""New-job alerts: the searches students save, which postings reach which students, and the
one digest a day that tells them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from domain.career.jobs import EmploymentType, ExperienceLevel, JobPosting, search_words
from domain.shared.errors import InvalidValue

MAX_SAVED_SEARCHES = 10  # per student
DIGEST_JOBS = 10  # postings a digest names; it counts the rest


class AlertReason(StrEnum):
    SKILLS = "skills"  # the posting asks for skills the student's CV shows
    SAVED_SEARCH = "saved_search"


@dataclass(frozen=True)
class SavedSearch:
    """A search a student keeps; a new posting that this search would find alerts them.
    Words match as ``GET /jobs`` matches them (every keyword word in the title, company,
    description or skills; every location word in the location)."""

    id: str
    user_id: str
    keyword: str
    location: str
    remote_only: bool
    employment_types: tuple[EmploymentType, ...]
    experience: ExperienceLevel | None
    created_at: datetime

    def __post_init__(self) -> None:
        object.__setattr__(self, "keyword", " ".join(self.keyword.split()))
        object.__setattr__(self, "location", " ".join(self.location.split()))
        if len(self.keyword) > 120 or len(self.location) > 120:
            raise InvalidValue("a saved search's keyword and location are at most 120 "
                               "characters", "keyword")
        if not (self.keyword or self.location or self.remote_only or self.employment_types
                or self.experience):
            raise InvalidValue("a saved search names a keyword, a location or a filter: "
                               "one that names none would alert on every posting", "keyword")

    def matches(self, job: JobPosting) -> bool:
        searched = f"{job.title} {job.company} {job.description}".lower()
        skills = " ".join(job.skills).lower()
        location = job.location.lower()
        return (all(word in searched or word in skills for word in search_words(self.keyword))
                and all(word in location for word in search_words(self.location))
                and (job.remote or not self.remote_only)
                and (not self.employment_types or job.employment_type in self.employment_types)
                and (self.experience is None or job.experience == self.experience))


def skills_in_common_needed(job_skills: Sequence[str]) -> int:
    """How many of a posting's skills a student's must share for an alert: two, or the only
    one it names (one common skill of many, "communication" say, alerts nearly everyone)."""
    return min(2, len({skill.lower() for skill in job_skills}))


def skill_keys(skills: Iterable[str]) -> tuple[str, ...]:
    """Skills as they are matched: lower case, each once, at most 50."""
    return tuple(dict.fromkeys(skill.strip().lower() for skill in skills if skill.strip()))[:50]
