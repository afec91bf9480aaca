"""What happens after a live session starts (outbox handlers, each retried on its own): the
course's channel hears ``session.started``, and every actively enrolled student is told."""

from __future__ import annotations

from application.live.ports import LiveUnitOfWork
from application.messaging.published import Notice, Notifier, RealtimePublisher, Recipient
from application.shared.config import Links
from domain.live.events import LiveSessionStarted
from domain.shared.events import Event


class BroadcastSessionStarted:
    def __init__(self, publisher: RealtimePublisher) -> None:
        self.publisher = publisher

    def __call__(self, event: Event, idempotency_key: str) -> None:
        if isinstance(event, LiveSessionStarted):
            self.publisher.publish([f"course.{event.course_id}"], "session.started", {
                "session_id": event.session_id, "course_id": event.course_id,
                "title": event.title[:200]})


class NotifySessionStarted:
    """One notice per student under its own key: a retry after a failure part-way tells
    nobody twice."""

    def __init__(self, uow: LiveUnitOfWork, notifier: Notifier, links: Links) -> None:
        self.uow, self.notifier, self.links = uow, notifier, links

    def __call__(self, event: Event, idempotency_key: str) -> None:
        if not isinstance(event, LiveSessionStarted):
            return
        with self.uow:
            course = self.uow.roster.course(event.course_id)
            students = [c for c in (self.uow.people.contact(user_id) for user_id in
                                    sorted(self.uow.roster.active_students(event.course_id)))
                        if c is not None]
        if course is None:
            return
        link = self.links.to(f"live-sessions/{event.session_id}")
        data = {"session_id": event.session_id, "course_id": course.id,
                "course": course.title, "title": event.title}
        for student in students:
            self.notifier.notify(Notice(
                Recipient(student.user_id, student.email, student.full_name, student.locale),
                "live_session_started", f"{idempotency_key}:{student.user_id}",
                context={**data, "link": link}, data=data))
