"""Reading and acknowledging alerts: platform admins see every institution's, an
institution admin their own institution's (and acknowledges none)."""

from __future__ import annotations

from application.institutions.institutions import visible_institution
from application.institutions.ports import InstitutionsUnitOfWork
from application.shared.audit import Auditor
from application.shared.ports import Clock, Principal
from domain.institutions.alerts import Alert
from domain.shared.errors import NotFound
from domain.shared.roles import Role


class ListAlerts:
    def __init__(self, uow: InstitutionsUnitOfWork) -> None:
        self.uow = uow

    def __call__(self, actor: Principal, acknowledged: bool | None = None,
                 limit: int = 100) -> list[Alert]:
        with self.uow.reading():
            institution_id = None
            if actor.role != Role.PLATFORM_ADMIN:
                institution_id = visible_institution(self.uow, actor, None).id
            return self.uow.alerts.page(institution_id, acknowledged, limit)


class AcknowledgeAlert:
    """Acknowledging twice keeps who did it first."""

    def __init__(self, uow: InstitutionsUnitOfWork, clock: Clock, auditor: Auditor) -> None:
        self.uow, self.clock, self.auditor = uow, clock, auditor

    def __call__(self, actor: Principal, alert_id: str) -> Alert:
        with self.uow:
            found = self.uow.alerts.get(alert_id)
            if found is None:
                raise NotFound("no such alert")
            if not found.acknowledged:
                found.acknowledge(actor.user_id, self.clock.now())
                self.auditor.record(self.uow, actor.user_id, "institutions.alert_acknowledged",
                                    "alert", found.id)
            self.uow.commit()
        return found
