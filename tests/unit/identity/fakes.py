"""Fakes of the identity area's ports: a hosted verifier in memory that behaves as Didit
does (tests/integration/identity/test_identity_verifier_contracts.py holds it to that), and
the area's records (verifications, teacher applications) with their unit of work."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, ClassVar

from application.accounts.directory import UserDirectory
from application.identity.ports import OpenedSession, VerifierDecision
from application.identity.standing import RecordedStanding
from domain.accounts.model import User
from domain.identity.statuses import VerificationStatus
from domain.identity.teachers import ApplicationStatus, TeacherApplication
from domain.identity.verification import IdentityVerification
from domain.shared.errors import Conflict, NotFound
from tests.unit.accounts.fakes import FakeUserRepository
from tests.unit.shared.fakes import (
    FakeAuditLog,
    FakeDatabase,
    FakeUnitOfWorkBase,
    StagedView,
)

# Didit hands back a user's session while it is in one of these (vendor-contracts.md §3).
UNFINISHED = frozenset({VerificationStatus.NOT_STARTED, VerificationStatus.IN_PROGRESS,
                        VerificationStatus.RESUBMITTED, VerificationStatus.AWAITING_USER})


@dataclass
class FakeVerifierSession:
    """A session at the fake: whom it is for, where the flow sends them back, and the
    verifier's current word on it."""

    callback_url: str
    url: str
    decision: VerifierDecision


class FakeIdentityVerifier:
    """A hosted verifier in memory (``provider`` "didit" unless told otherwise): one
    unfinished session per user (asked again, the same one comes back with its callback
    updated), decisions set by tests with ``decide``, sessions erased by ``forget``.
    ``failures`` are raised, one per call, before anything happens (``DeliveryFailed`` for
    an outage); ``calls`` records (method, argument)."""

    hosted = True

    def __init__(self, provider: str = "didit") -> None:
        self.provider = provider
        self.sessions: dict[str, FakeVerifierSession] = {}
        self.forgotten: list[str] = []
        self.failures: list[Exception] = []
        self.calls: list[tuple[str, str]] = []

    def _call(self, method: str, argument: str) -> None:
        self.calls.append((method, argument))
        if self.failures:
            raise self.failures.pop(0)

    def open_session(self, user_id: str, callback_url: str) -> OpenedSession:
        self._call("open_session", user_id)
        session = next((s for s in self.sessions.values() if s.decision.vendor_data == user_id
                        and s.decision.status in UNFINISHED), None)
        if session is None:
            session_id = f"fake-session-{len(self.sessions) + len(self.forgotten) + 1:04d}"
            session = FakeVerifierSession(
                callback_url, f"https://verify.example.test/session/{session_id}",
                VerifierDecision(session_id, user_id, VerificationStatus.NOT_STARTED))
            self.sessions[session_id] = session
        session.callback_url = callback_url
        return OpenedSession(session.decision.session_id, session.url, session.decision.status)

    def decide(self, session_id: str, status: VerificationStatus, *,
               decided_at: datetime | None = None, document_type: str | None = None,
               issuing_country: str | None = None, decline_reason: str | None = None) -> None:
        """The verifier's word on a session (what a person or Didit's review did)."""
        session = self.sessions[session_id]
        session.decision = VerifierDecision(session_id, session.decision.vendor_data, status,
                                            decided_at, document_type, issuing_country,
                                            decline_reason)

    def decision(self, session_id: str) -> VerifierDecision:
        self._call("decision", session_id)
        session = self.sessions.get(session_id)
        if session is None:
            raise NotFound(f"the fake verifier has no session {session_id}")
        word = session.decision
        if word.status.is_open:  # like Didit's adapter: only decided fields are kept
            return VerifierDecision(session_id, word.vendor_data, word.status)
        if word.status is not VerificationStatus.DECLINED:
            return replace(word, decline_reason=None)
        return word

    def forget(self, session_id: str) -> None:
        self._call("forget", session_id)
        if self.sessions.pop(session_id, None) is not None:
            self.forgotten.append(session_id)


# --- the identity area's records (verifications, teacher applications) -------------------


class FakeVerificationRepository(StagedView):
    kind, table = IdentityVerification, "identity_verifications"

    def add(self, verification: IdentityVerification) -> None:
        staged = self.uow.staging(IdentityVerification)
        staged[verification.id] = verification
        self._track(verification)

        def insert(db: FakeDatabase) -> None:  # the unique (provider, session) index
            if any((v.provider, v.session_id) == (verification.provider,
                                                  verification.session_id)
                   and v.id != verification.id for v in db.identity_verifications.values()):
                raise Conflict("the change collides with one made at the same time")
        self.uow.staged_ops.insert(0, insert)

    def get(self, verification_id: str) -> IdentityVerification | None:
        return next((v for v in self._visible() if v.id == verification_id), None)

    def by_session(self, provider: str, session_id: str) -> IdentityVerification | None:
        return next((v for v in self._visible()
                     if (v.provider, v.session_id) == (provider, session_id)), None)

    def latest(self, user_id: str) -> IdentityVerification | None:
        mine = sorted((v for v in self._visible() if v.user_id == user_id),
                      key=lambda v: (v.created_at, v.id))
        return mine[-1] if mine else None

    def with_status(self, statuses: frozenset[VerificationStatus], provider: str | None,
                    limit: int) -> list[IdentityVerification]:
        return sorted((v for v in self._visible() if v.status in statuses
                       and provider in (None, v.provider)),
                      key=lambda v: (v.created_at, v.id))[:limit]

    def due_for_poll(self, provider: str, opened_before: datetime, now: datetime,
                     limit: int) -> list[IdentityVerification]:
        return sorted((v for v in self._visible() if v.provider == provider and v.is_open
                       and v.created_at < opened_before
                       and (v.next_poll_at is None or v.next_poll_at <= now)),
                      key=lambda v: (v.created_at, v.id))[:limit]


class FakeTeacherApplicationRepository(StagedView):
    kind, table = TeacherApplication, "teacher_applications"

    def add(self, application: TeacherApplication) -> None:
        staged = self.uow.staging(TeacherApplication)
        staged[application.id] = application
        self._track(application)

        def insert(db: FakeDatabase) -> None:  # one application per user
            if any(a.user_id == application.user_id and a.id != application.id
                   for a in db.teacher_applications.values()):
                raise Conflict("the change collides with one made at the same time")
        self.uow.staged_ops.insert(0, insert)

    def get(self, application_id: str) -> TeacherApplication | None:
        return next((a for a in self._visible() if a.id == application_id), None)

    def of_user(self, user_id: str) -> TeacherApplication | None:
        return next((a for a in self._visible() if a.user_id == user_id), None)

    def with_status(self, status: ApplicationStatus, limit: int) -> list[TeacherApplication]:
        return sorted((a for a in self._visible() if a.status is status),
                      key=lambda a: (a.submitted_at, a.id))[:limit]


IDENTITY_TABLES: Mapping[type[Any], str] = {
    IdentityVerification: "identity_verifications", TeacherApplication: "teacher_applications"}


def identity_standing(uow: FakeUnitOfWorkBase) -> RecordedStanding:
    """The identity area's published ``IdentityStanding`` over another area's fake
    transaction (its tables must be among that unit of work's)."""
    return RecordedStanding(FakeVerificationRepository(uow),
                            FakeTeacherApplicationRepository(uow))


class FakeIdentityUnitOfWork(FakeUnitOfWorkBase):
    repositories: ClassVar[Mapping[str, Callable[[Any], Any]]] = {
        "verifications": FakeVerificationRepository,
        "applications": FakeTeacherApplicationRepository,
        "people": lambda uow: UserDirectory(FakeUserRepository(uow)),
        "audit": FakeAuditLog,
    }
    tables: ClassVar[Mapping[type[Any], str]] = {**IDENTITY_TABLES, User: "users"}
