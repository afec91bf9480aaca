"""How an identity verification is shown: to its person, and to the admins who review."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.identity.verification import IdentityVerification


@dataclass(frozen=True)
class VerificationView:
    id: str
    user_id: str
    provider: str
    status: str
    url: str | None  # where to verify, while it is open (None: an admin reviews)
    created_at: datetime
    decided_at: datetime | None
    document_type: str | None
    issuing_country: str | None
    decline_reason: str | None


def describe_verification(verification: IdentityVerification) -> VerificationView:
    v = verification
    return VerificationView(v.id, v.user_id, v.provider, v.status.value,
                            v.url if v.is_open else None, v.created_at, v.decided_at,
                            v.document_type, v.issuing_country, v.decline_reason)
