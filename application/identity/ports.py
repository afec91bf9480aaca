"""What the identity area needs from the outside world: a verifier (Didit's hosted flow,
or, as the embedded default, a platform admin's manual review), and its own records."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from application.accounts.published import AccountDirectory
from application.shared.ports import AuditedUnitOfWork
from domain.identity.statuses import VerificationStatus
from domain.identity.teachers import ApplicationStatus, TeacherApplication
from domain.identity.verification import IdentityVerification


@dataclass(frozen=True)
class OpenedSession:
    """A verification session at the verifier. ``url`` is the hosted flow the person is
    sent to (None when a platform admin reviews instead)."""

    session_id: str
    url: str | None
    status: VerificationStatus


@dataclass(frozen=True)
class VerifierDecision:
    """What eduport keeps of a verifier's decision, and nothing more: never images,
    document numbers or dates of birth. ``vendor_data`` is the user id the session was
    opened for; ``decided_at`` is when the verifier decided (None while open)."""

    session_id: str
    vendor_data: str | None
    status: VerificationStatus
    decided_at: datetime | None = None
    document_type: str | None = None  # e.g. "Passport", "Identity Card"
    issuing_country: str | None = None  # ISO 3166-1 alpha-3, as the verifier gives it
    decline_reason: str | None = None  # a short text, at most 500 characters


class IdentityVerifier(Protocol):
    """One verifier. ``hosted`` is False for the embedded default, whose sessions wait for a
    platform admin (no vendor is called: ``open_session`` answers at once and
    ``decision``/``forget`` have nothing to ask)."""

    provider: str  # "didit", "manual"
    hosted: bool

    def open_session(self, user_id: str, callback_url: str) -> OpenedSession:
        """Opens a session for ``user_id`` (sent as Didit's ``vendor_data``), whose hosted
        flow sends the browser back to ``callback_url``. Idempotent per user: while one is
        unfinished at the verifier, the same session comes back. Raises ``DeliveryFailed``
        (with the verifier's ``Retry-After`` in seconds on a 429) when the verifier is
        unreachable, times out, answers 5xx or 429, or refuses our credentials (401/403:
        a configuration fault, logged at ERROR without the key)."""

    def decision(self, session_id: str) -> VerifierDecision:
        """The session's current decision. Raises ``NotFound`` for a session the verifier
        does not know and ``DeliveryFailed`` as ``open_session`` does."""

    def forget(self, session_id: str) -> None:
        """Asks the verifier to delete what it holds of the session (personal-data erasure).
        Idempotent: a session already gone is not an error. Raises ``DeliveryFailed`` as
        ``open_session`` does."""


class VerificationRepository(Protocol):
    def add(self, verification: IdentityVerification) -> None: ...

    def get(self, verification_id: str) -> IdentityVerification | None: ...

    def by_session(self, provider: str, session_id: str) -> IdentityVerification | None:
        """The verification of the verifier's session, locked until commit: deliveries and
        polls of one session queue."""

    def latest(self, user_id: str) -> IdentityVerification | None:
        """The user's most recent verification."""

    def with_status(self, statuses: frozenset[VerificationStatus], provider: str | None,
                    limit: int) -> list[IdentityVerification]:
        """Verifications in ``statuses`` (of one provider when given), oldest first."""

    def due_for_poll(self, provider: str, opened_before: datetime, now: datetime,
                     limit: int) -> list[IdentityVerification]:
        """Open verifications of ``provider`` opened before ``opened_before`` whose next poll
        is due at ``now``, the longest waiting first."""


class TeacherApplicationRepository(Protocol):
    def add(self, application: TeacherApplication) -> None: ...

    def get(self, application_id: str) -> TeacherApplication | None: ...

    def of_user(self, user_id: str) -> TeacherApplication | None:
        """The user's one application (there is at most one per user)."""

    def with_status(self, status: ApplicationStatus, limit: int) -> list[TeacherApplication]:
        """Applications in ``status``, the longest waiting first."""


class IdentityUnitOfWork(AuditedUnitOfWork, Protocol):
    """One transaction over identity verifications and teacher applications; ``people``
    reads the accounts' names and addresses in it (read-only)."""

    verifications: VerificationRepository
    applications: TeacherApplicationRepository
    people: AccountDirectory
