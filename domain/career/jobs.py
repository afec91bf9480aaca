"""Job postings: those companies post on eduport, and the words every posting (ours or an
outside board's) is described in."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from domain.career.events import JobPosted
from domain.shared.errors import InvalidState, InvalidValue, PermissionDenied
from domain.shared.model import Aggregate


class EmploymentType(StrEnum):
    FULLTIME = "FULLTIME"
    PARTTIME = "PARTTIME"
    CONTRACTOR = "CONTRACTOR"
    INTERN = "INTERN"


class ExperienceLevel(StrEnum):
    NONE = "no_experience"
    UNDER_3_YEARS = "under_3_years_experience"
    OVER_3_YEARS = "more_than_3_years_experience"


class SalaryPeriod(StrEnum):
    HOUR = "HOUR"
    DAY = "DAY"
    WEEK = "WEEK"
    MONTH = "MONTH"
    YEAR = "YEAR"


class JobSource(StrEnum):
    LOCAL = "local"
    EXTERNAL = "external"


class JobStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


@dataclass(frozen=True)
class Salary:
    """A range in integer minor units of ``currency`` per ``period``; either end may be
    unknown."""

    currency: str
    period: SalaryPeriod
    minimum: int | None = None
    maximum: int | None = None

    def __post_init__(self) -> None:
        if len(self.currency) != 3 or not self.currency.isalpha() or not self.currency.isupper():
            raise InvalidValue("a salary's currency is an ISO 4217 code", "salary_currency")
        for end in (self.minimum, self.maximum):
            if end is not None and end < 0:
                raise InvalidValue("a salary is not negative", "salary_min")
        if (self.minimum is not None and self.maximum is not None
                and self.minimum > self.maximum):
            raise InvalidValue("a salary's minimum is at most its maximum", "salary_min")


@dataclass(frozen=True)
class JobListing:
    """One posting as searches show it, local or external (then ``id`` is ``ext_`` and the
    board's id, and ``apply_link`` goes to the board)."""

    id: str
    title: str
    company: str
    location: str
    description: str
    source: JobSource
    posted_at: datetime | None = None
    employment_type: EmploymentType | None = None
    experience: ExperienceLevel | None = None
    remote: bool = False
    salary: Salary | None = None
    apply_link: str | None = None
    skills: tuple[str, ...] = ()


def search_words(value: str) -> list[str]:
    """The words a search matches on, lower case: at most eight."""
    return value.lower().split()[:8]


def _text(value: str, field_name: str, limit: int) -> str:
    cleaned = value.strip()
    if not cleaned or len(cleaned) > limit:
        raise InvalidValue(f"the {field_name.replace('_', ' ')} is 1 to {limit} characters",
                           field_name)
    return cleaned


@dataclass(frozen=True)
class JobDetails:
    """What a company writes of a posting."""

    title: str
    company: str
    description: str
    location: str = ""
    employment_type: EmploymentType = EmploymentType.FULLTIME
    experience: ExperienceLevel | None = None
    remote: bool = False
    salary: Salary | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "title", _text(self.title, "title", 200))
        object.__setattr__(self, "company", _text(self.company, "company", 200))
        object.__setattr__(self, "description", _text(self.description, "description",
                                                      20_000))
        if len(self.location) > 200:
            raise InvalidValue("the location is at most 200 characters", "location")


@dataclass(eq=False)
class JobPosting(Aggregate):
    """A job a company posted here. Only its company edits or closes it; a closed posting
    takes no applications. The details are kept flat (``details`` reads them together)."""

    id: str
    company_id: str
    title: str
    company: str
    description: str
    location: str
    employment_type: EmploymentType
    experience: ExperienceLevel | None
    remote: bool
    salary_currency: str | None
    salary_period: SalaryPeriod | None
    salary_min: int | None
    salary_max: int | None
    skills: tuple[str, ...]
    posted_at: datetime
    status: JobStatus = JobStatus.OPEN
    closed_at: datetime | None = None
    version: int = field(default=1)

    @classmethod
    def post(cls, job_id: str, company_id: str, details: JobDetails, skills: tuple[str, ...],
             now: datetime) -> JobPosting:
        job = cls(job_id, company_id, "", "", "", "", EmploymentType.FULLTIME, None, False,
                  None, None, None, None, skills, now)
        job._write(details)
        job.events.append(JobPosted(job_id, company_id))
        return job

    def _write(self, d: JobDetails) -> None:
        self.title, self.company, self.description = d.title, d.company, d.description
        self.location, self.employment_type, self.experience = (
            d.location, d.employment_type, d.experience)
        self.remote = d.remote
        s = d.salary
        self.salary_currency, self.salary_period = (s.currency, s.period) if s else (None,
                                                                                     None)
        self.salary_min, self.salary_max = (s.minimum, s.maximum) if s else (None, None)

    @property
    def details(self) -> JobDetails:
        return JobDetails(self.title, self.company, self.description, self.location,
                          self.employment_type, self.experience, self.remote, self.salary)

    @property
    def salary(self) -> Salary | None:
        if self.salary_currency is None or self.salary_period is None:
            return None
        return Salary(self.salary_currency, self.salary_period, self.salary_min,
                      self.salary_max)

    def check_owner(self, company_id: str) -> None:
        if company_id != self.company_id:
            raise PermissionDenied("only the company that posted a job manages it")

    def change(self, company_id: str, details: JobDetails, skills: tuple[str, ...]) -> None:
        self.check_owner(company_id)
        if self.status == JobStatus.CLOSED:
            raise InvalidState("a closed job is not edited")
        self._write(details)
        self.skills = skills
        self.version += 1

    def close(self, company_id: str, now: datetime) -> None:
        self.check_owner(company_id)
        if self.status == JobStatus.OPEN:
            self.status, self.closed_at = JobStatus.CLOSED, now
            self.version += 1

    @property
    def is_open(self) -> bool:
        return self.status == JobStatus.OPEN

    @property
    def source(self) -> JobSource:
        return JobSource.LOCAL

    @property
    def apply_link(self) -> None:
        return None  # applications to a posting here are made here

    def listing(self) -> JobListing:
        return JobListing(self.id, self.title, self.company, self.location, self.description,
                          JobSource.LOCAL, self.posted_at, self.employment_type,
                          self.experience, self.remote, self.salary, None, self.skills)
