"""Which postings a saved search finds, and how many skills a student must share with one."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from domain.career.alerts import SavedSearch, skill_keys, skills_in_common_needed
from domain.career.jobs import EmploymentType, ExperienceLevel, JobDetails, JobPosting
from domain.shared.errors import InvalidValue

NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
JOB = JobPosting.post("j1", "acme", JobDetails(
    "Junior Python developer", "Acme", "Build REST APIs.", "Chicago, IL",
    EmploymentType.FULLTIME, ExperienceLevel.NONE, remote=True), ("SQL",), NOW)


def search(keyword: str = "", location: str = "", remote_only: bool = False,
           types: tuple[EmploymentType, ...] = (),
           experience: ExperienceLevel | None = None) -> SavedSearch:
    return SavedSearch("s1", "ann", keyword, location, remote_only, types, experience, NOW)


@pytest.mark.parametrize("saved", [
    search("python"), search("PYTHON  developer"), search("sql"), search(location="chicago"),
    search(remote_only=True), search(types=(EmploymentType.FULLTIME, EmploymentType.INTERN)),
    search("acme", experience=ExperienceLevel.NONE)])
def test_a_search_finds_what_get_jobs_would(saved: SavedSearch) -> None:
    assert saved.matches(JOB)


@pytest.mark.parametrize("saved", [
    search("rust"), search("python rust"), search(location="boston"),
    search("python", types=(EmploymentType.PARTTIME,)),
    search("python", experience=ExperienceLevel.OVER_3_YEARS)])
def test_a_search_leaves_what_get_jobs_would_leave(saved: SavedSearch) -> None:
    assert not saved.matches(JOB)


def test_a_search_names_something_and_is_not_too_long() -> None:
    with pytest.raises(InvalidValue):
        search("   ")
    with pytest.raises(InvalidValue):
        search("x" * 121)


def test_two_skills_in_common_or_the_only_one() -> None:
    assert skills_in_common_needed(["SQL", "Excel", "Python"]) == 2
    assert skills_in_common_needed(["SQL", "sql"]) == 1
    assert skills_in_common_needed([]) == 0
    assert skill_keys([" Python ", "python", "", "SQL"]) == ("python", "sql")
