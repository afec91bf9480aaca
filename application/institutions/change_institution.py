from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from application.institutions.config import InstitutionsPolicy
from application.institutions.ports import InstitutionsUnitOfWork
from application.shared.audit import Auditor
from application.shared.ports import Clock, Principal
from domain.institutions.model import Institution
from domain.shared.errors import Conflict, NotFound


@dataclass(frozen=True)
class ChangeInstitutionCommand:
    actor: Principal
    institution_id: str
    changes: Mapping[str, Any] = field(default_factory=dict)  # InstitutionDetails fields


class ChangeInstitution:
    """A platform admin rewrites some of an institution's details; the rest stay."""

    def __init__(self, uow: InstitutionsUnitOfWork, policy: InstitutionsPolicy, clock: Clock,
                 auditor: Auditor) -> None:
        self.uow, self.policy, self.clock, self.auditor = uow, policy, clock, auditor

    def __call__(self, cmd: ChangeInstitutionCommand) -> Institution:
        with self.uow:
            found = self.uow.institutions.get(cmd.institution_id)
            if found is None:
                raise NotFound("no such institution")
            details = replace(found.details, **cmd.changes)
            self.policy.check_plan(details.plan)
            other = self.uow.institutions.by_domain(details.domain)
            if other is not None and other.id != found.id:
                raise Conflict("an institution has that domain already")
            found.change(details, cmd.actor.user_id, self.clock.now())
            self.auditor.record(self.uow, cmd.actor.user_id, "institutions.changed",
                                "institution", found.id, fields=sorted(cmd.changes))
            self.uow.commit()
        return found
