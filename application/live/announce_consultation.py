"""What the two parties' open pages hear (outbox handlers, after commit): the provider that
a student is waiting in a consultation's room, and both that it ended, with its bill."""

from __future__ import annotations

from application.messaging.published import RealtimePublisher, user_channel
from domain.live.events import ConsultationEnded, ConsultationStarted
from domain.shared.events import Event


class AnnounceConsultation:
    def __init__(self, publisher: RealtimePublisher) -> None:
        self.publisher = publisher

    def __call__(self, event: Event, idempotency_key: str) -> None:
        if isinstance(event, ConsultationStarted):
            self.publisher.publish([user_channel(event.provider_id)], "consultation.requested", {
                "consultation_id": event.consultation_id, "student_id": event.student_id})
        elif isinstance(event, ConsultationEnded):
            self.publisher.publish(
                [user_channel(event.student_id), user_channel(event.provider_id)],
                "consultation.ended", {
                    "consultation_id": event.consultation_id, "reason": event.reason,
                    "cost": {"amount_minor": event.cost_minor, "currency": event.currency}})
