from __future__ import annotations

from application.institutions.ports import InstitutionsUnitOfWork


class SigningSecretOf:
    """The secret an active institution's reports are signed with; None for an unknown or
    deactivated one (its reports are refused as unsigned)."""

    def __init__(self, uow: InstitutionsUnitOfWork) -> None:
        self.uow = uow

    def __call__(self, institution_id: str) -> str | None:
        with self.uow.reading():
            found = self.uow.institutions.get(institution_id)
            return found.signing_secret if found is not None and found.is_active else None
