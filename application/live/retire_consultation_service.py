from __future__ import annotations

from dataclasses import dataclass

from application.live.ports import LiveUnitOfWork
from application.shared.audit import Auditor
from application.shared.ports import Principal
from domain.live.consultations import ConsultationService
from domain.shared.errors import NotFound, PermissionDenied
from domain.shared.roles import Role


@dataclass(frozen=True)
class RetireConsultationServiceCommand:
    actor: Principal
    service_id: str


class RetireConsultationService:
    """Its provider (or a platform admin) stops offering a service: no new consultations;
    running ones go on at their price."""

    def __init__(self, uow: LiveUnitOfWork, auditor: Auditor) -> None:
        self.uow, self.auditor = uow, auditor

    def __call__(self, cmd: RetireConsultationServiceCommand) -> ConsultationService:
        with self.uow:
            service = self.uow.services.get(cmd.service_id)
            if service is None:
                raise NotFound(f"no consultation service {cmd.service_id}")
            if cmd.actor.user_id != service.provider_id and \
                    cmd.actor.role != Role.PLATFORM_ADMIN:
                raise PermissionDenied("only its provider or an admin retires a service")
            service.retire()
            self.auditor.record(self.uow, cmd.actor.user_id, "consultation_service.retired",
                                "consultation_service", service.id)
            self.uow.commit()
            return service
