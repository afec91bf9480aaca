from __future__ import annotations

from dataclasses import dataclass

from application.career.ports import CareerUnitOfWork
from application.career.post_job import check_company, skills_of
from application.shared.ports import Clock, Principal
from domain.career.jobs import JobDetails, JobPosting
from domain.shared.errors import NotFound


@dataclass(frozen=True)
class ChangeJobCommand:
    actor: Principal
    job_id: str
    details: JobDetails | None = None  # None: close the posting
    skills: tuple[str, ...] = ()


class ChangeJob:
    """The company edits its posting, or closes it (then it takes no applications)."""

    def __init__(self, uow: CareerUnitOfWork, clock: Clock) -> None:
        self.uow, self.clock = uow, clock

    def __call__(self, cmd: ChangeJobCommand) -> JobPosting:
        check_company(cmd.actor)
        with self.uow:
            job = self.uow.jobs.get(cmd.job_id)
            if job is None or job.company_id != cmd.actor.user_id:
                raise NotFound("no such job")
            if cmd.details is None:
                job.close(cmd.actor.user_id, self.clock.now())
            else:
                job.change(cmd.actor.user_id, cmd.details, skills_of(cmd.details, cmd.skills))
            self.uow.commit()
            return job
