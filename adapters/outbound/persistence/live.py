"""Live classes in the database: sessions, their participants and the stretches of time each
was present."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, ClassVar, cast

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    UniqueConstraint,
    bindparam,
    insert,
    inspect,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload, registry, relationship

from adapters.outbound.persistence.accounts import SqlUserRepository, users
from adapters.outbound.persistence.catalog import (
    SqlEnrollmentRepository,
    access_granted,
    course_roster,
)
from adapters.outbound.persistence.consultations import (
    SqlConsultationRepository,
    SqlConsultationServiceRepository,
)
from adapters.outbound.persistence.identity import identity_standing
from adapters.outbound.persistence.schema import ID, EmailDomain, EnumText, metadata, utc
from adapters.outbound.persistence.shared import Tracker
from adapters.outbound.persistence.unit_of_work import SqlUnitOfWork, audit_log
from application.accounts.directory import UserDirectory
from domain.live.credits import CreditBalance, CreditEntry, CreditEntryKind, InsufficientCredits
from domain.live.model import LiveSession, Participant, Presence, RoomRole, SessionStatus
from domain.shared.errors import Conflict
from domain.shared.money import Money

live_sessions = Table(
    "live_sessions",
    metadata,
    Column("id", ID, primary_key=True),
    Column("course_id", ID, ForeignKey("courses.id"), nullable=False, index=True),
    Column("teacher_id", ID, ForeignKey("users.id"), nullable=False),
    Column("title", String(200), nullable=False),
    Column("starts_at", utc(), nullable=False),
    Column("planned_minutes", Integer, nullable=False),
    Column("provider", String(16), nullable=False),
    Column("status", EnumText(SessionStatus), nullable=False),
    Column("created_at", utc(), nullable=False),
    Column("started_at", utc()),
    Column("ended_at", utc()),
    Column("version", Integer, nullable=False),
    Index("ix_live_sessions_status", "status", "starts_at"),
)

class SqlLiveMinutes:
    def __init__(self, session: Session) -> None:
        self.session = session

    def by_teacher_domain(self, start: datetime, end: datetime) -> dict[str, int]:
        s, u = live_sessions.c, users.c
        rows = self.session.execute(
            select(EmailDomain(u.email), s.started_at, s.ended_at)
            .join(users, u.id == s.teacher_id)
            .where(s.started_at.is_not(None), s.ended_at.is_not(None), s.started_at < end,
                   s.ended_at > start, u.email_verified_at.is_not(None)))
        minutes: dict[str, int] = {}
        for domain, started, ended in rows:
            seconds = (min(ended, end) - max(started, start)).total_seconds()
            minutes[domain] = minutes.get(domain, 0) + math.ceil(max(0.0, seconds) / 60)
        return minutes


live_participants = Table(
    "live_participants",
    metadata,
    Column("id", ID, primary_key=True),
    # A live session's or a consultation's id: both have rooms with participants.
    Column("session_id", ID, nullable=False),
    Column("user_id", ID, ForeignKey("users.id"), nullable=False),
    # Agora's uid: unique in the session, so two people never share one.
    Column("uid", BigInteger, nullable=False),  # 1 to 2**32 - 1: past a signed INTEGER
    Column("role", EnumText(RoomRole), nullable=False),
    Column("joined_at", utc(), nullable=False),
    Column("version", Integer, nullable=False),
    UniqueConstraint("session_id", "user_id", name="uq_live_participants_session_user"),
    UniqueConstraint("session_id", "uid", name="uq_live_participants_session_uid"),
)

live_presences = Table(
    "live_presences",
    metadata,
    Column("id", ID, primary_key=True),
    Column("participant_id", ID, ForeignKey("live_participants.id", ondelete="CASCADE"),
           nullable=False, index=True),
    Column("started_at", utc(), nullable=False),
    Column("last_seen_at", utc(), nullable=False),
    Column("ended_at", utc()),
)


credit_entries = Table(
    "credit_entries",
    metadata,
    Column("id", ID, primary_key=True),
    Column("user_id", ID, ForeignKey("users.id"), nullable=False),
    Column("kind", EnumText(CreditEntryKind), nullable=False),
    Column("amount_minor", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("idempotency_key", String(200), nullable=False),
    Column("reason", String(200), nullable=False),
    Column("reference", String(100)),
    Column("occurred_at", utc(), nullable=False),
    # A replayed top-up, hold or capture is one entry, however often it is sent.
    UniqueConstraint("user_id", "idempotency_key", name="uq_credit_entries_user_key"),
    Index("ix_credit_entries_user_occurred", "user_id", "occurred_at"),
)

credit_balances = Table(
    "credit_balances",
    metadata,
    Column("user_id", ID, ForeignKey("users.id"), primary_key=True),
    Column("currency", String(3), primary_key=True),
    Column("available", BigInteger, nullable=False),
    Column("held", BigInteger, nullable=False),
    # Never below zero, whatever the code: the database refuses an overdraft.
    CheckConstraint("available >= 0", name="available_not_negative"),
    CheckConstraint("held >= 0", name="held_not_negative"),
)


class _Overdraft(Exception):
    """The balance's CHECK refused a move (raised inside the savepoint, to undo it)."""


class SqlCreditLedger:
    def __init__(self, session: Session) -> None:
        self.session = session

    def post(self, entry: CreditEntry) -> bool:
        # A savepoint: a refused move takes its entry back with it and leaves the
        # transaction usable (PostgreSQL would otherwise abort all of it).
        try:
            with self.session.begin_nested():
                return self._post(entry)
        except _Overdraft as error:
            raise InsufficientCredits("not enough credits for this") from error

    def _post(self, entry: CreditEntry) -> bool:
        dialect = self.session.get_bind().dialect.name
        upsert = postgresql_insert if dialect == "postgresql" else sqlite_insert
        stored = self.session.execute(upsert(credit_entries).values(
            id=entry.id, user_id=entry.user_id, kind=entry.kind,
            amount_minor=entry.amount.amount_minor, currency=entry.amount.currency,
            idempotency_key=entry.idempotency_key, reason=entry.reason[:200],
            reference=entry.reference, occurred_at=entry.occurred_at,
        ).on_conflict_do_nothing(index_elements=["user_id", "idempotency_key"])
            .returning(credit_entries.c.id))
        if stored.first() is None:
            return False  # a replay: the first one counted
        self.session.execute(upsert(credit_balances).values(
            user_id=entry.user_id, currency=entry.amount.currency, available=0, held=0,
        ).on_conflict_do_nothing(index_elements=["user_id", "currency"]))
        c = credit_balances.c
        try:
            self.session.execute(update(credit_balances).where(
                c.user_id == entry.user_id, c.currency == entry.amount.currency).values(
                available=c.available + entry.available_delta, held=c.held + entry.held_delta))
        except IntegrityError as error:  # the CHECK: it would go below zero
            raise _Overdraft from error
        return True

    def balances(self, user_id: str) -> list[CreditBalance]:
        c = credit_balances.c
        rows = self.session.execute(select(c.currency, c.available, c.held)
                                    .where(c.user_id == user_id).order_by(c.currency))
        return [CreditBalance(user_id, r.currency, int(r.available), int(r.held)) for r in rows]

    def entries(self, user_id: str, limit: int) -> list[CreditEntry]:
        c = credit_entries.c
        rows = self.session.execute(select(credit_entries).where(c.user_id == user_id)
                                    .order_by(c.occurred_at.desc(), c.id).limit(limit))
        return [CreditEntry(r.id, r.user_id, CreditEntryKind(r.kind),
                            Money(int(r.amount_minor), r.currency), r.idempotency_key,
                            r.reason, r.occurred_at, r.reference) for r in rows]


class SqlLiveSessionRepository:
    def __init__(self, session: Session, tracker: Tracker) -> None:
        self.session, self.tracker = session, tracker

    def add(self, session: LiveSession) -> None:
        self.session.add(session)
        self.tracker.track(session)

    def get(self, session_id: str) -> LiveSession | None:
        found = self.session.get(LiveSession, session_id)
        self.tracker.track(found)
        return found

    def for_course(self, course_id: str) -> list[LiveSession]:
        return self._tracked(select(LiveSession).where(live_sessions.c.course_id == course_id)
                             .order_by(live_sessions.c.starts_at, live_sessions.c.id))

    def with_status(self, status: SessionStatus, limit: int) -> list[LiveSession]:
        c = live_sessions.c
        past = status in (SessionStatus.ENDED, SessionStatus.CANCELED)
        order = (c.starts_at.desc(), c.id) if past else (c.starts_at, c.id)
        return self._tracked(select(LiveSession).where(c.status == status)
                             .order_by(*order).limit(limit))

    def _tracked(self, query: Any) -> list[LiveSession]:
        found = list(self.session.scalars(query))
        for live in found:
            self.tracker.track(live)
        return found


class SqlParticipantRepository:
    def __init__(self, session: Session, tracker: Tracker,
                 enrollments: SqlEnrollmentRepository | None = None) -> None:
        self.session, self.tracker, self.enrollments = session, tracker, enrollments

    def add(self, participant: Participant) -> None:
        self.session.add(participant)
        self.tracker.track(participant)

    def get(self, session_id: str, user_id: str) -> Participant | None:
        # A heartbeat's read, in one statement: the participant with its presences; into the
        # identity map, the live session it is in (its repository's get() then finds it
        # there without a statement of its own); and for the roster, whether their
        # enrollment in its course lets them in (asked next, unless they teach it).
        row = self.session.execute(_participant_with_session(), {
            "session_id": session_id, "user_id": user_id}).unique().one_or_none()
        if row is None:
            return None
        found, live, granted = row
        if live is not None and self.enrollments is not None:
            self.enrollments.granted[(user_id, live.course_id)] = bool(granted)
        self.tracker.track(found)
        self.tracker.track(live)  # held by the transaction: the identity map holds it weakly
        return cast(Participant, found)

    def save_presence(self, participant: Participant) -> None:
        # Straight to the tables, out of the ORM's flush (a third of a heartbeat's CPU went
        # to it; an autoflush would write too early). Extending the open stretch is one
        # UPDATE that checks the stretch is as it was read (still open, seen last when it
        # was): a leave or another beat that landed first makes it a Conflict, as a version
        # would, without writing the participant's row on every beat. Opening a stretch
        # moves the version, so two beats after a silence cannot open two.
        current = participant.presences[-1]
        with self.session.no_autoflush:
            if inspect(current).persistent:
                read = inspect(current).committed_state.get("last_seen_at",
                                                              current.last_seen_at)
                moved = self.session.execute(_EXTEND_PRESENCE, {
                    "row": current.id, "read": read, "last_seen_at": current.last_seen_at})
            else:
                read = inspect(participant).committed_state.get("version",
                                                                participant.version)
                moved = self.session.execute(_NEXT_VERSION, {
                    "row": participant.id, "read": read, "version": participant.version})
                if moved.rowcount == 1:
                    self.session.execute(_OPEN_PRESENCE, {
                        "id": current.id, "participant_id": participant.id,
                        "started_at": current.started_at,
                        "last_seen_at": current.last_seen_at, "ended_at": current.ended_at})
            if moved.rowcount != 1:
                raise Conflict("it was changed by another request meanwhile; reload and retry")
        self.session.expunge(participant)  # written: nothing left for the flush

    def for_session(self, session_id: str) -> list[Participant]:
        c = live_participants.c
        return list(self.session.scalars(select(Participant).where(c.session_id == session_id)
                                         .order_by(c.joined_at, c.id)))

    def uid_taken(self, session_id: str, uid: int) -> bool:
        c = live_participants.c
        self.session.flush()  # this transaction's own participants count too
        return self.session.execute(select(c.id).where(
            c.session_id == session_id, c.uid == uid)).first() is not None


# save_presence's statements, built once. Parameters are named after the columns they set
# (SQLAlchemy binds those itself); the rows they pick are "row" and "read".
_NEXT_VERSION = update(live_participants).where(
    live_participants.c.id == bindparam("row"),
    live_participants.c.version == bindparam("read"))
_EXTEND_PRESENCE = update(live_presences).where(
    live_presences.c.id == bindparam("row"), live_presences.c.ended_at.is_(None),
    live_presences.c.last_seen_at == bindparam("read"))
_OPEN_PRESENCE = insert(live_presences)

_statements: dict[str, Any] = {}


def _participant_with_session() -> Any:
    """Built once (after the mapping): its cache key is not worked out again per call."""
    found = _statements.get("participant")
    if found is None:
        c = live_participants.c
        found = _statements["participant"] = (
            select(Participant, LiveSession, access_granted(c.user_id, live_sessions.c.course_id))
            .outerjoin(LiveSession, live_sessions.c.id == c.session_id)
            .where(c.session_id == bindparam("session_id"), c.user_id == bindparam("user_id"))
            .options(joinedload(Participant.presences)))  # type: ignore[arg-type]
    return found


def map_live(mapper: registry) -> None:
    mapper.map_imperatively(LiveSession, live_sessions, version_id_col=live_sessions.c.version,
                            version_id_generator=False)
    mapper.map_imperatively(Presence, live_presences)
    mapper.map_imperatively(
        Participant, live_participants,
        # Heartbeats, leaves and stops of one participant race: the UPDATE names the version
        # it read, so two cannot both land.
        version_id_col=live_participants.c.version, version_id_generator=False,
        properties={"presences": relationship(
            Presence, order_by=live_presences.c.started_at, cascade="all, delete-orphan",
            lazy="selectin")},
    )


class SqlLiveUnitOfWork(SqlUnitOfWork):
    repositories: ClassVar[Mapping[str, Callable[[SqlUnitOfWork], Any]]] = {
        "sessions": lambda uow: SqlLiveSessionRepository(uow.session, uow.tracker),
        "participants": lambda uow: SqlParticipantRepository(
            uow.session, uow.tracker, cast(SqlEnrollmentRepository, uow.roster.enrollments)),
        "credits": lambda uow: SqlCreditLedger(uow.session),
        "services": lambda uow: SqlConsultationServiceRepository(uow.session, uow.tracker),
        "consultations": lambda uow: SqlConsultationRepository(uow.session, uow.tracker),
        "roster": course_roster,
        "people": lambda uow: UserDirectory(SqlUserRepository(uow.session, uow.tracker)),
        "standing": identity_standing,
        "audit": audit_log,
    }
