"""Fakes of the live classes' records: sessions, their participants (with the stretches of
presence), and the unit of work that reads the catalog's roster and the accounts' directory
in the same fake transaction."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, ClassVar

from application.accounts.directory import UserDirectory
from application.catalog.course_roster import CatalogCourseRoster
from domain.accounts.model import User
from domain.live.consultations import Consultation, ConsultationService
from domain.live.credits import CreditBalance, CreditEntry
from domain.live.model import LiveSession, Participant, SessionStatus
from domain.shared.errors import Conflict
from tests.unit.accounts.fakes import FakeUserRepository
from tests.unit.catalog.fakes import (
    CATALOG_TABLES,
    FakeCourseRepository,
    FakeEnrollmentRepository,
)
from tests.unit.identity.fakes import IDENTITY_TABLES, identity_standing
from tests.unit.shared.fakes import (
    FakeAuditLog,
    FakeDatabase,
    FakeUnitOfWorkBase,
    StagedView,
    _Repo,
)


class FakeLiveSessionRepository(StagedView):
    kind, table = LiveSession, "live_sessions"

    def add(self, session: LiveSession) -> None:
        self.uow.staging(LiveSession)[session.id] = session
        self._track(session)

    def get(self, session_id: str) -> LiveSession | None:
        return next((s for s in self._visible() if s.id == session_id), None)

    def for_course(self, course_id: str) -> list[LiveSession]:
        return sorted((s for s in self._visible() if s.course_id == course_id),
                      key=lambda s: (s.starts_at, s.id))

    def with_status(self, status: SessionStatus, limit: int) -> list[LiveSession]:
        found = sorted((s for s in self._visible() if s.status is status),
                       key=lambda s: (s.starts_at, s.id))
        if status in (SessionStatus.ENDED, SessionStatus.CANCELED):  # latest first
            found = sorted(found, key=lambda s: s.starts_at, reverse=True)
        return found[:limit]


class FakeParticipantRepository(StagedView):
    kind, table = Participant, "live_participants"

    def add(self, participant: Participant) -> None:
        staged = self.uow.staging(Participant)
        staged[participant.id] = participant
        self._track(participant)

        def insert(db: FakeDatabase) -> None:
            # The two unique indexes: one participant per user, one uid per session; against
            # what others committed and this transaction's own inserts.
            others = [p for p in (*db.live_participants.values(), *staged.values())
                      if p.id != participant.id]
            if any(p.user_id == participant.user_id or p.uid == participant.uid
                   for p in others if p.session_id == participant.session_id):
                raise Conflict("the change collides with one made at the same time")
        self.uow.staged_ops.insert(0, insert)  # the ones that can collide come first

    def get(self, session_id: str, user_id: str) -> Participant | None:
        return next((p for p in self._visible()
                     if p.session_id == session_id and p.user_id == user_id), None)

    def save_presence(self, participant: Participant) -> None:
        pass  # saved at commit with the rest, version checked there

    def for_session(self, session_id: str) -> list[Participant]:
        return sorted((p for p in self._visible() if p.session_id == session_id),
                      key=lambda p: (p.joined_at, p.id))

    def uid_taken(self, session_id: str, uid: int) -> bool:
        return any(p.session_id == session_id and p.uid == uid for p in self._visible())


class FakeConsultationServiceRepository(StagedView):
    kind, table = ConsultationService, "consultation_services"

    def add(self, service: ConsultationService) -> None:
        self.uow.staging(ConsultationService)[service.id] = service
        self._track(service)

    def get(self, service_id: str) -> ConsultationService | None:
        return next((s for s in self._visible() if s.id == service_id), None)

    def offered(self, provider_id: str | None, limit: int) -> list[ConsultationService]:
        found = [s for s in self._visible()
                 if s.active and provider_id in (None, s.provider_id)]
        return sorted(found, key=lambda s: (-s.created_at.timestamp(), s.id))[:limit]


class FakeConsultationRepository(StagedView):
    kind, table = Consultation, "consultations"

    def add(self, consultation: Consultation) -> None:
        self.uow.staging(Consultation)[consultation.id] = consultation
        self._track(consultation)

    def get(self, consultation_id: str, for_update: bool = False) -> Consultation | None:
        # One fake transaction runs at a time: a lock has nobody to wait for.
        return next((c for c in self._visible() if c.id == consultation_id), None)

    def of_person(self, user_id: str, limit: int) -> list[Consultation]:
        found = [c for c in self._visible() if c.is_party(user_id)]
        return sorted(found, key=lambda c: (-c.started_at.timestamp(), c.id))[:limit]

    def running(self, limit: int) -> list[Consultation]:
        return sorted((c for c in self._visible() if c.is_active),
                      key=lambda c: (c.started_at, c.id))[:limit]

    def ended_between(self, start: datetime, end: datetime,
                      provider_id: str | None = None) -> list[Consultation]:
        return sorted((c for c in self._visible() if c.ended_at is not None
                       and start <= c.ended_at < end and provider_id in (None, c.provider_id)),
                      key=lambda c: (c.ended_at or end, c.id))


def course_roster(uow: FakeUnitOfWorkBase) -> CatalogCourseRoster:
    """The catalog's published ``CourseRoster`` over another area's fake transaction."""
    return CatalogCourseRoster(FakeCourseRepository(uow), FakeEnrollmentRepository(uow))


class FakeCreditLedger(_Repo):
    """The ledger in memory: this transaction's entries and balances are seen by itself at
    once and by others after commit, like the SQL one's."""

    def _staged(self) -> Any:
        return self.uow.staged.setdefault(FakeCreditLedger, {"entries": [], "balances": {}})

    def _balance(self, user_id: str, currency: str) -> CreditBalance:
        staged = self._staged()["balances"].get((user_id, currency))
        return staged or self.uow.db.credit_balances.get(
            (user_id, currency), CreditBalance(user_id, currency))

    def post(self, entry: CreditEntry) -> bool:
        known = [*self.uow.db.credit_entries, *self._staged()["entries"]]
        if any((e.user_id, e.idempotency_key) == (entry.user_id, entry.idempotency_key)
               for e in known):
            return False
        after = self._balance(entry.user_id, entry.amount.currency).after(entry)
        self._staged()["entries"].append(entry)
        self._staged()["balances"][entry.user_id, entry.amount.currency] = after

        def apply(db: FakeDatabase) -> None:
            db.credit_entries.append(entry)
            db.credit_balances[entry.user_id, entry.amount.currency] = after
        self.uow.staged_ops.append(apply)
        return True

    def balances(self, user_id: str) -> list[CreditBalance]:
        currencies = {c for (u, c) in (*self.uow.db.credit_balances,
                                       *self._staged()["balances"]) if u == user_id}
        return [self._balance(user_id, c) for c in sorted(currencies)]

    def entries(self, user_id: str, limit: int) -> list[CreditEntry]:
        mine = [e for e in (*self.uow.db.credit_entries, *self._staged()["entries"])
                if e.user_id == user_id]
        return sorted(mine, key=lambda e: (-e.occurred_at.timestamp(), e.id))[:limit]


class FakeLiveUnitOfWork(FakeUnitOfWorkBase):
    repositories: ClassVar[Mapping[str, Callable[[Any], Any]]] = {
        "sessions": FakeLiveSessionRepository,
        "participants": FakeParticipantRepository,
        "credits": FakeCreditLedger,
        "services": FakeConsultationServiceRepository,
        "consultations": FakeConsultationRepository,
        "roster": course_roster,
        "people": lambda uow: UserDirectory(FakeUserRepository(uow)),
        "standing": identity_standing,
        "audit": FakeAuditLog,
    }
    # The roster and the directory read courses, enrollments and users in this transaction.
    tables: ClassVar[Mapping[type[Any], str]] = {
        LiveSession: "live_sessions", Participant: "live_participants", User: "users",
        ConsultationService: "consultation_services", Consultation: "consultations",
        **IDENTITY_TABLES,
        **CATALOG_TABLES}
