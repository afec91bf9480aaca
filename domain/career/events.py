"""What happened in career: jobs posted, applications made and moved on, digests of new
jobs composed."""

from __future__ import annotations

from dataclasses import dataclass

from domain.shared.events import Event


@dataclass(frozen=True)
class JobPosted(Event):
    job_id: str
    company_id: str


@dataclass(frozen=True)
class JobApplicationSubmitted(Event):
    application_id: str
    job_id: str
    company_id: str
    student_id: str


@dataclass(frozen=True)
class ApplicationStatusChanged(Event):
    application_id: str
    job_id: str
    student_id: str
    status: str  # an ApplicationStatus value


@dataclass(frozen=True)
class JobDigestComposed(Event):
    """The day's digest of new postings for one student is written (``day`` ISO 8601, UTC)."""

    student_id: str
    day: str
