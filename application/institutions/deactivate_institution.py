from __future__ import annotations

from application.institutions.ports import InstitutionsUnitOfWork
from application.shared.audit import Auditor
from application.shared.ports import Clock, Principal
from domain.institutions.model import Institution
from domain.shared.errors import NotFound


class DeactivateInstitution:
    """A platform admin deactivates an institution: kept, with its records and activity, but
    changed no more; deactivating twice is harmless."""

    def __init__(self, uow: InstitutionsUnitOfWork, clock: Clock, auditor: Auditor) -> None:
        self.uow, self.clock, self.auditor = uow, clock, auditor

    def __call__(self, actor: Principal, institution_id: str) -> Institution:
        with self.uow:
            found = self.uow.institutions.get(institution_id)
            if found is None:
                raise NotFound("no such institution")
            if found.is_active:
                found.deactivate(actor.user_id, self.clock.now())
                self.auditor.record(self.uow, actor.user_id, "institutions.deactivated",
                                    "institution", found.id)
            self.uow.commit()
        return found
