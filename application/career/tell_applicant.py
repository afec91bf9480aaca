"""What happens after a company moves an application on (an outbox handler, retried on its
own): the student is told in the app, by email and on their private channel
(``application.status.changed``)."""

from __future__ import annotations

from application.career.ports import CareerUnitOfWork
from application.messaging.published import (
    Notice,
    Notifier,
    RealtimePublisher,
    Recipient,
    user_channel,
)
from application.shared.config import Links
from domain.career.events import ApplicationStatusChanged
from domain.shared.events import Event


class TellApplicant:
    def __init__(self, uow: CareerUnitOfWork, notifier: Notifier,
                 publisher: RealtimePublisher, links: Links) -> None:
        self.uow, self.notifier, self.publisher, self.links = uow, notifier, publisher, links

    def __call__(self, event: Event, idempotency_key: str) -> None:
        if not isinstance(event, ApplicationStatusChanged):
            raise TypeError(f"TellApplicant handles application statuses, not {event.name}")
        with self.uow.reading():
            job = self.uow.jobs.get(event.job_id)
            student = self.uow.people.contact(event.student_id)
        if job is None or student is None:
            return
        # The title is in the data too: the in-app notice's subject names it.
        data = {"application_id": event.application_id, "job_id": job.id,
                "job_title": job.title, "status": event.status}
        self.notifier.notify(Notice(
            Recipient(student.user_id, student.email, student.full_name, student.locale),
            "application_status_updated", idempotency_key,
            context={"job_title": job.title, "company": job.company, "status": event.status,
                     "link": self.links.to("career/applications")},
            data=data))
        self.publisher.publish([user_channel(student.user_id)], "application.status.changed",
                               data)
