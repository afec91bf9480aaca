from __future__ import annotations

from application.career.ports import CareerUnitOfWork
from domain.career.jobs import JobPosting
from domain.shared.errors import NotFound


class GetJob:
    """A posting made here: open ones for anyone, closed ones for their company only."""

    def __init__(self, uow: CareerUnitOfWork) -> None:
        self.uow = uow

    def __call__(self, job_id: str, viewer_id: str | None) -> JobPosting:
        with self.uow.reading():
            job = self.uow.jobs.get(job_id)
        if job is None or (not job.is_open and job.company_id != viewer_id):
            raise NotFound("no such job")
        return job
