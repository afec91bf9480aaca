from __future__ import annotations

from dataclasses import dataclass

from application.identity.published import IdentityRequirements
from application.live.ports import LiveUnitOfWork
from application.shared.audit import Auditor
from application.shared.ports import Clock, IdGenerator, Principal
from domain.live.consultations import ConsultationService
from domain.shared.errors import PermissionDenied
from domain.shared.money import Money
from domain.shared.roles import Role


@dataclass(frozen=True)
class OfferConsultationServiceCommand:
    actor: Principal
    title: str
    base_fee: Money
    per_minute: Money


class OfferConsultationService:
    """A teacher offers paid consultations: a base fee and a price per minute, integer minor
    units of one currency (absurd figures are refused). Like publishing a course, it needs
    an approved teacher where the platform approves them."""

    def __init__(self, uow: LiveUnitOfWork, clock: Clock, ids: IdGenerator,
                 auditor: Auditor, requirements: IdentityRequirements) -> None:
        self.uow, self.clock, self.ids, self.auditor = uow, clock, ids, auditor
        self.requirements = requirements

    def __call__(self, cmd: OfferConsultationServiceCommand) -> ConsultationService:
        if cmd.actor.role != Role.TEACHER:
            raise PermissionDenied("only teachers offer consultations")
        service = ConsultationService.offer(self.ids.new_id(), cmd.actor.user_id, cmd.title,
                                            cmd.base_fee, cmd.per_minute, self.clock.now())
        with self.uow:
            self.requirements.ensure_may_publish(self.uow.standing, cmd.actor)
            self.uow.services.add(service)
            self.auditor.record(self.uow, cmd.actor.user_id, "consultation_service.offered",
                                "consultation_service", service.id,
                                base_fee_minor=cmd.base_fee.amount_minor,
                                per_minute_minor=cmd.per_minute.amount_minor,
                                currency=cmd.per_minute.currency)
            self.uow.commit()
        return service
