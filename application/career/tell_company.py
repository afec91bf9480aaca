"""What happens after a student applies (an outbox handler, retried on its own): the
company is told by notice and email, with a short-lived link to the CV, and on its private
channel (``job.application.received``)."""

from __future__ import annotations

from application.career.config import CareerPolicy
from application.career.ports import CareerUnitOfWork
from application.files.published import CvFiles
from application.messaging.published import (
    Notice,
    Notifier,
    RealtimePublisher,
    Recipient,
    user_channel,
)
from application.shared.config import Links
from domain.career.events import JobApplicationSubmitted
from domain.shared.events import Event


class TellCompany:
    def __init__(self, uow: CareerUnitOfWork, cvs: CvFiles, notifier: Notifier,
                 publisher: RealtimePublisher, links: Links, policy: CareerPolicy) -> None:
        self.uow, self.cvs, self.notifier = uow, cvs, notifier
        self.publisher, self.links, self.policy = publisher, links, policy

    def __call__(self, event: Event, idempotency_key: str) -> None:
        if not isinstance(event, JobApplicationSubmitted):
            raise TypeError(f"TellCompany handles applications, not {event.name}")
        with self.uow.reading():
            application = self.uow.applications.get(event.application_id)
            job = self.uow.jobs.get(event.job_id)
            company = self.uow.people.contact(event.company_id)
            student = self.uow.people.contact(event.student_id)
        if application is None or job is None or company is None or student is None:
            return  # erased or gone: nobody to tell, or nothing to tell of
        cv = self.cvs.link(application.cv_file_id, self.policy.cv_link_seconds)
        data = {"application_id": application.id, "job_id": job.id, "job_title": job.title}
        self.notifier.notify(Notice(
            Recipient(company.user_id, company.email, company.full_name, company.locale),
            "new_job_application", idempotency_key,
            context={"job_title": job.title, "applicant": student.full_name,
                     "cv_link": cv.url if cv else "",
                     "link": self.links.to(f"company/jobs/{job.id}/applications")},
            data=data))
        self.publisher.publish([user_channel(company.user_id)], "job.application.received",
                               data)
