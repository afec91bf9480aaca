from __future__ import annotations

from dataclasses import dataclass

from application.identity.ports import IdentityUnitOfWork, IdentityVerifier
from application.identity.verification_views import VerificationView, describe_verification
from application.shared.audit import Auditor
from application.shared.config import Links
from application.shared.ports import Clock, IdGenerator, Principal
from domain.identity.verification import IdentityVerification


@dataclass(frozen=True)
class VerifyIdentityCommand:
    actor: Principal


class VerifyIdentity:
    """Opens a verification at the verifier (Didit's hosted flow, whose ``url`` the person
    follows; or a manual review by a platform admin) and answers it. Asking again while
    one is open, or once verified, answers that one. The verifier is called outside any
    transaction; Didit itself returns the unfinished session of the same user."""

    def __init__(self, uow: IdentityUnitOfWork, verifier: IdentityVerifier, clock: Clock,
                 ids: IdGenerator, links: Links, auditor: Auditor) -> None:
        self.uow, self.verifier, self.clock, self.ids = uow, verifier, clock, ids
        self.links, self.auditor = links, auditor

    def __call__(self, cmd: VerifyIdentityCommand) -> VerificationView:
        user_id = cmd.actor.user_id
        with self.uow:
            latest = self.uow.verifications.latest(user_id)
            if latest is not None and (latest.is_verified or (
                    latest.is_open and latest.provider == self.verifier.provider)):
                return describe_verification(latest)
        opened = self.verifier.open_session(user_id, self.links.to("identity/verification"))
        with self.uow:
            known = self.uow.verifications.by_session(self.verifier.provider,
                                                      opened.session_id)
            if known is not None:
                return describe_verification(known)
            verification = IdentityVerification(
                self.ids.new_id(), user_id, self.verifier.provider, opened.session_id,
                self.clock.now(), url=opened.url, status=opened.status)
            self.uow.verifications.add(verification)
            self.auditor.record(self.uow, user_id, "identity.verification_requested",
                                "identity_verification", verification.id,
                                provider=verification.provider)
            self.uow.commit()
            return describe_verification(verification)
