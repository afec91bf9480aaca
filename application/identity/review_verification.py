from __future__ import annotations

from dataclasses import dataclass

from application.identity.ports import IdentityUnitOfWork
from application.identity.verification_views import VerificationView, describe_verification
from application.shared.audit import Auditor
from application.shared.ports import Clock, Principal
from domain.shared.errors import NotFound, PermissionDenied
from domain.shared.roles import Role


@dataclass(frozen=True)
class ReviewVerificationCommand:
    actor: Principal
    verification_id: str
    approved: bool
    reason: str | None = None  # a decline's, told to the person


class ReviewVerification:
    """A platform admin approves or declines a manual review (the embedded default, without
    a verifier); audited with who decided."""

    def __init__(self, uow: IdentityUnitOfWork, clock: Clock, auditor: Auditor) -> None:
        self.uow, self.clock, self.auditor = uow, clock, auditor

    def __call__(self, cmd: ReviewVerificationCommand) -> VerificationView:
        if cmd.actor.role != Role.PLATFORM_ADMIN:
            raise PermissionDenied("only platform admins review identity verifications")
        with self.uow:
            verification = self.uow.verifications.get(cmd.verification_id)
            if verification is None:
                raise NotFound(f"no identity verification {cmd.verification_id}")
            if verification.user_id == cmd.actor.user_id:
                raise PermissionDenied("nobody reviews their own identity")
            verification.review(cmd.actor.user_id, cmd.approved, cmd.reason, self.clock.now())
            self.auditor.record(self.uow, cmd.actor.user_id,
                                "identity.approved" if cmd.approved else "identity.declined",
                                "identity_verification", verification.id,
                                user_id=verification.user_id, reason=cmd.reason)
            self.uow.commit()
            return describe_verification(verification)
