"""An identity verification: one session at the verifier (Didit's hosted flow, or a platform
admin's manual review) and the little eduport keeps of its decision."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.identity.events import IdentityVerificationDecided
from domain.identity.statuses import VerificationStatus
from domain.shared.errors import Conflict, InvalidValue
from domain.shared.model import Aggregate

S = VerificationStatus
MAX_REASON = 500
# How far along a status is. Deliveries arrive in any order: a status never gives way to
# one further back (a late "In Progress" never overwrites "Approved"); among decisions the
# later one wins (a review may turn "Approved" into "Declined"; an approval expires).
_STAGE = {S.NOT_STARTED: 0, S.IN_PROGRESS: 1, S.RESUBMITTED: 1, S.AWAITING_USER: 1,
          S.IN_REVIEW: 2, S.APPROVED: 3, S.DECLINED: 3, S.EXPIRED: 3, S.ABANDONED: 3,
          S.KYC_EXPIRED: 3}


@dataclass(eq=False)
class IdentityVerification(Aggregate):
    id: str
    user_id: str
    provider: str  # "didit", "manual"
    session_id: str  # the verifier's
    created_at: datetime
    url: str | None = None  # the hosted flow (None: an admin reviews)
    status: VerificationStatus = VerificationStatus.NOT_STARTED
    status_at: datetime | None = None  # when the verifier gave the current status
    decided_at: datetime | None = None
    document_type: str | None = None
    issuing_country: str | None = None
    decline_reason: str | None = None
    reviewer_id: str | None = None  # the admin of a manual review
    next_poll_at: datetime | None = None  # when to ask the verifier again (a lost webhook)
    version: int = 1

    @property
    def is_open(self) -> bool:
        return self.status.is_open

    @property
    def is_verified(self) -> bool:
        return self.status is S.APPROVED

    def apply(self, status: VerificationStatus, at: datetime, *,
              decided_at: datetime | None = None, document_type: str | None = None,
              issuing_country: str | None = None, decline_reason: str | None = None,
              ) -> bool:
        """The verifier's word at ``at``; False, and nothing changes, when it is older news
        than what is known."""
        stage, current = _STAGE[status], _STAGE[self.status]
        newer = self.status_at is None or at > self.status_at
        if stage < current or (stage == current and not newer):
            return False
        self.status, self.status_at = status, at
        if status.is_open:
            self.decided_at = None
        else:
            self.decided_at = decided_at or at
            self.document_type = _short(document_type, 64)
            self.issuing_country = _short(issuing_country, 8)
            self.decline_reason = _short(decline_reason, MAX_REASON) \
                if status is S.DECLINED else None
            self.events.append(IdentityVerificationDecided(
                verification_id=self.id, user_id=self.user_id, status=status.value))
        self.version += 1
        return True

    def poll_again(self, at: datetime) -> None:
        """Not decided when asked: the next poll waits until ``at``."""
        self.next_poll_at = at
        self.version += 1

    def review(self, reviewer_id: str, approved: bool, reason: str | None,
               now: datetime) -> None:
        """A platform admin's decision on a manual review."""
        if self.provider != "manual":
            raise Conflict("this verification is decided by its verifier, not by an admin")
        if not self.is_open:
            raise Conflict(f"this verification is already {self.status.value}")
        if not approved and not (reason or "").strip():
            raise InvalidValue("a decline needs a reason")
        self.reviewer_id = reviewer_id
        self.apply(S.APPROVED if approved else S.DECLINED, now,
                   decline_reason=None if approved else (reason or "").strip())


def _short(text: str | None, limit: int) -> str | None:
    return text.strip()[:limit] or None if text else None
