from __future__ import annotations

from dataclasses import dataclass

from application.career.ports import CareerUnitOfWork
from application.files.published import CvFiles
from application.shared.ports import Clock, IdGenerator, Principal
from domain.career.applications import JobApplication
from domain.shared.errors import Conflict, InvalidState, NotFound, PermissionDenied
from domain.shared.roles import Role


@dataclass(frozen=True)
class ApplyCommand:
    actor: Principal
    job_id: str
    cv_upload_id: str
    cover_letter: str = ""


class ApplyToJob:
    """A student applies to an open posting here with one of their uploaded CVs, once per
    job; the company is told after commit (``JobApplicationSubmitted``)."""

    def __init__(self, uow: CareerUnitOfWork, cvs: CvFiles, clock: Clock,
                 ids: IdGenerator) -> None:
        self.uow, self.cvs, self.clock, self.ids = uow, cvs, clock, ids

    def __call__(self, cmd: ApplyCommand) -> JobApplication:
        if cmd.actor.role != Role.STUDENT:
            raise PermissionDenied("students apply to jobs")
        with self.uow.reading():
            job = self.uow.jobs.get(cmd.job_id)
            if job is None:
                raise NotFound("no such job")
            if not job.is_open:
                raise InvalidState("this job is closed")
        cv = self.cvs.keep(cmd.cv_upload_id, cmd.actor.user_id)
        with self.uow:
            if self.uow.applications.of_student_for(cmd.actor.user_id, job.id) is not None:
                raise Conflict("you have applied to this job already")
            application = JobApplication.submit(
                self.ids.new_id(), job.id, job.company_id, cmd.actor.user_id, cv.file_id,
                cmd.cover_letter, self.clock.now())
            self.uow.applications.add(application)
            self.uow.commit()
            return application
