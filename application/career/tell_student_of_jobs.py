"""What happens after a student's digest of new jobs is composed (an outbox handler, retried
on its own): they are told in the app and by email (the ``new_jobs_digest`` message, whose
email a notification preference turns off)."""

from __future__ import annotations

from application.career.ports import CareerUnitOfWork
from application.messaging.published import Notice, Notifier, Recipient
from application.shared.config import Links
from domain.career.events import JobDigestComposed
from domain.shared.events import Event


class TellStudentOfJobs:
    def __init__(self, uow: CareerUnitOfWork, notifier: Notifier, links: Links) -> None:
        self.uow, self.notifier, self.links = uow, notifier, links

    def __call__(self, event: Event, idempotency_key: str) -> None:
        if not isinstance(event, JobDigestComposed):
            raise TypeError(f"TellStudentOfJobs handles digests, not {event.name}")
        with self.uow.reading():
            digest = self.uow.alerts.digest(event.student_id, event.day)
            student = self.uow.people.contact(event.student_id)
            jobs = [job for job in map(self.uow.jobs.get, digest.job_ids if digest else ())
                    if job is not None]
        if digest is None or student is None or not jobs:
            return
        self.notifier.notify(Notice(
            Recipient(student.user_id, student.email, student.full_name, student.locale),
            "new_jobs_digest", idempotency_key,
            context={"jobs": [{"title": job.title, "company": job.company,
                               "location": job.location, "link": self.links.to(f"jobs/{job.id}")}
                              for job in jobs],
                     "count": digest.total, "more": digest.total - len(jobs),
                     "link": self.links.to("jobs")},
            data={"day": digest.day, "count": digest.total, "job_ids": list(digest.job_ids)}))
