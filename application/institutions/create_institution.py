from __future__ import annotations

from dataclasses import dataclass

from application.institutions.config import InstitutionsPolicy
from application.institutions.ports import InstitutionsUnitOfWork, SigningSecrets
from application.shared.audit import Auditor
from application.shared.ports import Clock, IdGenerator, Principal
from domain.institutions.model import Institution, InstitutionDetails
from domain.shared.errors import Conflict


@dataclass(frozen=True)
class CreateInstitutionCommand:
    actor: Principal
    details: InstitutionDetails


class CreateInstitution:
    """A platform admin creates an institution; after commit it gets its billing customer, a
    welcome email and its first activity record (``InstitutionCreated``'s handlers). Its
    portal signs its reports with the secret it is given here."""

    def __init__(self, uow: InstitutionsUnitOfWork, policy: InstitutionsPolicy,
                 secrets: SigningSecrets, clock: Clock, ids: IdGenerator,
                 auditor: Auditor) -> None:
        self.uow, self.policy, self.secrets = uow, policy, secrets
        self.clock, self.ids, self.auditor = clock, ids, auditor

    def __call__(self, cmd: CreateInstitutionCommand) -> Institution:
        self.policy.check_plan(cmd.details.plan)
        institution = Institution.create(self.ids.new_id(), cmd.details, cmd.actor.user_id,
                                         self.secrets.new_secret(), self.clock.now())
        with self.uow:
            if self.uow.institutions.by_domain(cmd.details.domain) is not None:
                raise Conflict("an institution has that domain already")
            self.uow.institutions.add(institution)
            self.auditor.record(self.uow, cmd.actor.user_id, "institutions.created",
                                "institution", institution.id)
            self.uow.commit()
        return institution
