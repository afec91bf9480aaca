from __future__ import annotations

from application.institutions.institutions import visible_institution
from application.institutions.ports import InstitutionsUnitOfWork
from application.shared.audit import Auditor
from application.shared.ports import Clock, Principal
from domain.institutions.model import Institution


class RegisterEndpoint:
    """An institution's admin names the URL its portal takes broadcasts at (None: none)."""

    def __init__(self, uow: InstitutionsUnitOfWork, clock: Clock, auditor: Auditor) -> None:
        self.uow, self.clock, self.auditor = uow, clock, auditor

    def __call__(self, actor: Principal, url: str | None) -> Institution:
        with self.uow:
            found = visible_institution(self.uow, actor, None)
            found.register_endpoint(url, self.clock.now())
            self.auditor.record(self.uow, actor.user_id, "institutions.endpoint_registered",
                                "institution", found.id)
            self.uow.commit()
        return found
