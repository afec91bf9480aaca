"""Applications to the jobs companies post here, and the steps a company moves them
through. The student is told of every step."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from domain.career.events import ApplicationStatusChanged, JobApplicationSubmitted
from domain.shared.errors import InvalidState, InvalidValue, PermissionDenied
from domain.shared.model import Aggregate

MAX_COVER_LETTER = 5_000


class ApplicationStatus(StrEnum):
    SUBMITTED = "submitted"
    REVIEWING = "reviewing"
    INTERVIEW = "interview"
    OFFERED = "offered"
    REJECTED = "rejected"
    HIRED = "hired"


# Where a company may move an application from each status. Rejection is possible at any
# open step; hiring only after an offer; nothing leaves a final status.
_NEXT: dict[ApplicationStatus, frozenset[ApplicationStatus]] = {
    ApplicationStatus.SUBMITTED: frozenset({ApplicationStatus.REVIEWING,
                                            ApplicationStatus.INTERVIEW,
                                            ApplicationStatus.REJECTED}),
    ApplicationStatus.REVIEWING: frozenset({ApplicationStatus.INTERVIEW,
                                            ApplicationStatus.OFFERED,
                                            ApplicationStatus.REJECTED}),
    ApplicationStatus.INTERVIEW: frozenset({ApplicationStatus.OFFERED,
                                            ApplicationStatus.REJECTED}),
    ApplicationStatus.OFFERED: frozenset({ApplicationStatus.HIRED,
                                          ApplicationStatus.REJECTED}),
    ApplicationStatus.REJECTED: frozenset(),
    ApplicationStatus.HIRED: frozenset(),
}


@dataclass(eq=False)
class JobApplication(Aggregate):
    id: str
    job_id: str
    company_id: str
    student_id: str
    cv_file_id: str
    cover_letter: str
    submitted_at: datetime
    status: ApplicationStatus = ApplicationStatus.SUBMITTED
    status_at: datetime | None = None
    version: int = field(default=1)

    @classmethod
    def submit(cls, application_id: str, job_id: str, company_id: str, student_id: str,
               cv_file_id: str, cover_letter: str, now: datetime) -> JobApplication:
        letter = cover_letter.strip()
        if len(letter) > MAX_COVER_LETTER:
            raise InvalidValue(f"a cover letter is at most {MAX_COVER_LETTER} characters",
                               "cover_letter")
        application = cls(application_id, job_id, company_id, student_id, cv_file_id,
                          letter, now, status_at=now)
        application.events.append(JobApplicationSubmitted(application_id, job_id,
                                                          company_id, student_id))
        return application

    def move(self, company_id: str, status: ApplicationStatus, now: datetime) -> bool:
        """Moves the application on; False when it is already there (a repeated request)."""
        if company_id != self.company_id:
            raise PermissionDenied("only the company that posted the job moves its "
                                   "applications")
        if status == self.status:
            return False
        if status not in _NEXT[self.status]:
            raise InvalidState(f"an application {self.status.value} cannot become "
                               f"{status.value}")
        self.status, self.status_at = status, now
        self.version += 1
        self.events.append(ApplicationStatusChanged(self.id, self.job_id, self.student_id,
                                                    status.value))
        return True
