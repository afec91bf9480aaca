from __future__ import annotations

from dataclasses import dataclass

from application.career.ports import CareerUnitOfWork
from application.shared.audit import Auditor
from application.shared.ports import Clock, IdGenerator, Principal
from domain.career.jobs import JobDetails, JobPosting
from domain.career.skills import extract_skills, normalise_skills
from domain.shared.errors import PermissionDenied
from domain.shared.roles import Role


def check_company(actor: Principal) -> None:
    if actor.role != Role.COMPANY:
        raise PermissionDenied("only a company posts and manages jobs")


def skills_of(details: JobDetails, named: tuple[str, ...]) -> tuple[str, ...]:
    """The skills a company named, else those its text names (alerts match on them)."""
    return normalise_skills(named)[:30] or extract_skills(
        f"{details.title}\n{details.description}")[:30]


@dataclass(frozen=True)
class PostJobCommand:
    actor: Principal
    details: JobDetails
    skills: tuple[str, ...] = ()


class PostJob:
    """A company posts a job; ``JobPosted`` announces it after commit."""

    def __init__(self, uow: CareerUnitOfWork, clock: Clock, ids: IdGenerator,
                 auditor: Auditor) -> None:
        self.uow, self.clock, self.ids, self.auditor = uow, clock, ids, auditor

    def __call__(self, cmd: PostJobCommand) -> JobPosting:
        check_company(cmd.actor)
        job = JobPosting.post(self.ids.new_id(), cmd.actor.user_id, cmd.details,
                              skills_of(cmd.details, cmd.skills), self.clock.now())
        with self.uow:
            self.uow.jobs.add(job)
            self.auditor.record(self.uow, cmd.actor.user_id, "career.job_posted", "job", job.id)
            self.uow.commit()
        return job
