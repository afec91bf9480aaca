"""How consultations and consultation services are shown, and who may see a consultation:
its student, its provider and platform admins."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from application.live.ports import LiveUnitOfWork
from application.shared.ports import Principal
from domain.live.consultations import Bill, Consultation, ConsultationStatus
from domain.shared.errors import NotFound
from domain.shared.money import Money
from domain.shared.roles import Role


@dataclass(frozen=True)
class ConsultationView:
    id: str
    service_id: str
    student_id: str
    provider_id: str
    status: str
    started_at: datetime
    held: Money
    ended_at: datetime | None
    stop_reason: str | None
    bill: Bill | None  # once it ended


def describe_consultation(consultation: Consultation) -> ConsultationView:
    ended = consultation.status is ConsultationStatus.ENDED
    return ConsultationView(
        consultation.id, consultation.service_id, consultation.student_id,
        consultation.provider_id, consultation.status.value, consultation.started_at,
        Money(0 if ended else consultation.held_minor, consultation.currency),
        consultation.ended_at,
        consultation.stop_reason.value if consultation.stop_reason else None,
        consultation.bill if ended else None)


def visible_consultation(uow: LiveUnitOfWork, principal: Principal, consultation_id: str,
                         for_update: bool = False) -> Consultation:
    """The consultation, for its two parties and platform admins; anyone else is told it
    does not exist (``NotFound``), as for an unknown id."""
    consultation = uow.consultations.get(consultation_id, for_update=for_update)
    if consultation is None or not (consultation.is_party(principal.user_id)
                                    or principal.role == Role.PLATFORM_ADMIN):
        raise NotFound(f"no consultation {consultation_id}")
    return consultation
