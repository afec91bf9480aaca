"""Applications as each side sees them: the company those to its job, the student theirs."""

from __future__ import annotations

from application.career.ports import CareerUnitOfWork
from application.shared.ports import Principal
from domain.career.applications import JobApplication
from domain.shared.errors import NotFound


class ListJobApplications:
    def __init__(self, uow: CareerUnitOfWork) -> None:
        self.uow = uow

    def __call__(self, actor: Principal, job_id: str) -> list[JobApplication]:
        with self.uow.reading():
            job = self.uow.jobs.get(job_id)
            if job is None or job.company_id != actor.user_id:
                raise NotFound("no such job")
            return self.uow.applications.of_job(job.id, 500)


class ListMyApplications:
    def __init__(self, uow: CareerUnitOfWork) -> None:
        self.uow = uow

    def __call__(self, actor: Principal) -> list[JobApplication]:
        with self.uow.reading():
            return self.uow.applications.of_student(actor.user_id, 200)
