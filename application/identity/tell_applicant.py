"""What happens after a teacher application is decided (an outbox handler, retried on its
own): the applicant is told by notice and email, with the reason of a rejection, and an
approval is announced on their private channel (``teacher.approved``)."""

from __future__ import annotations

from application.identity.ports import IdentityUnitOfWork
from application.messaging.published import (
    Notice,
    Notifier,
    RealtimePublisher,
    Recipient,
    user_channel,
)
from application.shared.config import Links
from domain.identity.events import TeacherApproved, TeacherRejected
from domain.shared.events import Event


class TellApplicant:
    def __init__(self, uow: IdentityUnitOfWork, notifier: Notifier,
                 publisher: RealtimePublisher, links: Links) -> None:
        self.uow, self.notifier, self.publisher, self.links = uow, notifier, publisher, links

    def __call__(self, event: Event, idempotency_key: str) -> None:
        if not isinstance(event, TeacherApproved | TeacherRejected):
            raise TypeError(f"TellApplicant handles teacher decisions, not {event.name}")
        with self.uow:
            person = self.uow.people.contact(event.user_id)
        if person is None:
            return  # the account is gone: nobody to tell
        recipient = Recipient(person.user_id, person.email, person.full_name, person.locale)
        data = {"application_id": event.application_id}
        if isinstance(event, TeacherApproved):
            self.notifier.notify(Notice(recipient, "teacher_approved", idempotency_key,
                                        context={"link": self.links.to("teach/courses")},
                                        data=data))
            self.publisher.publish([user_channel(event.user_id)], "teacher.approved", data)
        else:
            self.notifier.notify(Notice(
                recipient, "teacher_rejected", idempotency_key,
                context={"reason": event.reason, "link": self.links.to("teach/application")},
                data={**data, "reason": event.reason[:200]}))
