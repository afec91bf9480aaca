"""Applies a verifier's decision to its verification, inside the caller's unit of work: from
a webhook delivery and from a poll alike, in any order."""

from __future__ import annotations

from datetime import datetime

from application.identity.ports import IdentityUnitOfWork, VerifierDecision
from application.shared.audit import Auditor
from domain.identity.verification import IdentityVerification


def record_decision(uow: IdentityUnitOfWork, auditor: Auditor,
                    verification: IdentityVerification, decision: VerifierDecision,
                    at: datetime) -> str:
    """A short outcome. A decision naming another user than the session's is refused and
    audited: nothing changes."""
    if decision.vendor_data is not None and decision.vendor_data != verification.user_id:
        auditor.record(uow, None, "identity.decision_mismatch", "identity_verification",
                       verification.id, status=decision.status.value)
        return "ignored: the decision names another user"
    applied = verification.apply(decision.status, at, decided_at=decision.decided_at,
                                 document_type=decision.document_type,
                                 issuing_country=decision.issuing_country,
                                 decline_reason=decision.decline_reason)
    if not applied:
        return f"ignored: {decision.status.value} is older than {verification.status.value}"
    if not decision.status.is_open:
        auditor.record(uow, None, "identity.verification_decided", "identity_verification",
                       verification.id, user_id=verification.user_id,
                       status=decision.status.value)
    return decision.status.value
