"""Fakes of the live classes' records: sessions, their participants (with the stretches of
presence), and the unit of work that reads the catalog's roster and the accounts' directory
in the same fake transaction."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from application.accounts.directory import UserDirectory
from application.catalog.course_roster import CatalogCourseRoster
from domain.accounts.model import User
from domain.live.credits import CreditBalance, CreditEntry
from domain.live.model import LiveSession, Participant, SessionStatus
from domain.shared.errors import Conflict
from tests.unit.accounts.fakes import FakeUserRepository
from tests.unit.catalog.fakes import (
    CATALOG_TABLES,
    FakeCourseRepository,
    FakeEnrollmentRepository,
)
from tests.unit.shared.fakes import FakeAuditLog, FakeDatabase, FakeUnitOfWorkBase, _Repo


class _LiveView(_Repo):
    """What the transaction sees, as the database shows a transaction its own changes (the
    SQL session flushes before every query): the committed rows, with the aggregates this
    transaction added or took (its working copies) in their place."""

    kind: ClassVar[type[Any]]
    table: ClassVar[str]

    def _visible(self) -> list[Any]:
        rows = dict(getattr(self.uow.db, self.table))
        rows.update(self.uow.staging(self.kind))
        rows.update({key: aggregate for (kind, key), aggregate in self.uow.identity.items()
                     if kind is self.kind})
        return [self._take(row) for row in rows.values()]


class FakeLiveSessionRepository(_LiveView):
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


class FakeParticipantRepository(_LiveView):
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

    def for_session(self, session_id: str) -> list[Participant]:
        return sorted((p for p in self._visible() if p.session_id == session_id),
                      key=lambda p: (p.joined_at, p.id))

    def uid_taken(self, session_id: str, uid: int) -> bool:
        return any(p.session_id == session_id and p.uid == uid for p in self._visible())


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
        "roster": course_roster,
        "people": lambda uow: UserDirectory(FakeUserRepository(uow)),
        "audit": FakeAuditLog,
    }
    # The roster and the directory read courses, enrollments and users in this transaction.
    tables: ClassVar[Mapping[type[Any], str]] = {
        LiveSession: "live_sessions", Participant: "live_participants", User: "users",
        **CATALOG_TABLES}
