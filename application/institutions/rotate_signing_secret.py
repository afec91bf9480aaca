from __future__ import annotations

from application.institutions.institutions import visible_institution
from application.institutions.ports import InstitutionsUnitOfWork, SigningSecrets
from application.shared.audit import Auditor
from application.shared.ports import Clock, Principal
from domain.institutions.activity import Activity, ActivityKind
from domain.institutions.model import Institution


class RotateSigningSecret:
    """An institution's admin (or a platform admin) replaces the secret its portal signs
    reports with: from the commit on, only the new one is accepted."""

    def __init__(self, uow: InstitutionsUnitOfWork, secrets: SigningSecrets, clock: Clock,
                 auditor: Auditor) -> None:
        self.uow, self.secrets, self.clock, self.auditor = uow, secrets, clock, auditor

    def __call__(self, actor: Principal, institution_id: str | None = None) -> Institution:
        now = self.clock.now()
        with self.uow:
            found = visible_institution(self.uow, actor, institution_id)
            found.rotate_signing_secret(self.secrets.new_secret(), now)
            self.uow.activity.add_once(Activity(
                f"signing_secret_rotated:{found.id}:{now.isoformat()}", found.id,
                ActivityKind.SIGNING_SECRET_ROTATED, "Signing secret replaced", actor.user_id,
                now))
            self.auditor.record(self.uow, actor.user_id, "institutions.secret_rotated",
                                "institution", found.id)
            self.uow.commit()
        return found
