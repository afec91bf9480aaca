"""What happened in identity: verifications decided, teachers approved or rejected."""

from __future__ import annotations

from dataclasses import dataclass

from domain.shared.events import Event


@dataclass(frozen=True)
class IdentityVerificationDecided(Event):
    verification_id: str
    user_id: str
    status: str  # Approved, Declined, Expired, Abandoned or Kyc Expired


@dataclass(frozen=True)
class TeacherApproved(Event):
    application_id: str
    user_id: str


@dataclass(frozen=True)
class TeacherRejected(Event):
    application_id: str
    user_id: str
    reason: str
