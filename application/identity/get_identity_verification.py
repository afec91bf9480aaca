from __future__ import annotations

from dataclasses import dataclass

from application.identity.ports import IdentityUnitOfWork
from application.identity.verification_views import VerificationView, describe_verification
from application.shared.ports import Principal
from domain.shared.errors import NotFound


@dataclass(frozen=True)
class GetIdentityVerificationQuery:
    actor: Principal


class GetIdentityVerification:
    """The caller's latest verification and its status."""

    def __init__(self, uow: IdentityUnitOfWork) -> None:
        self.uow = uow

    def __call__(self, query: GetIdentityVerificationQuery) -> VerificationView:
        with self.uow:
            latest = self.uow.verifications.latest(query.actor.user_id)
            if latest is None:
                raise NotFound("you have not asked to verify your identity: "
                               "POST /me/identity-verification")
            return describe_verification(latest)
