"""Live classes in the database: sessions, their participants and the stretches of time each
was present."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from sqlalchemy import (
    BigInteger,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    UniqueConstraint,
    select,
)
from sqlalchemy.orm import Session, registry, relationship

from adapters.outbound.persistence.accounts import SqlUserRepository
from adapters.outbound.persistence.catalog import course_roster
from adapters.outbound.persistence.schema import ID, EnumText, metadata, utc
from adapters.outbound.persistence.shared import Tracker
from adapters.outbound.persistence.unit_of_work import SqlUnitOfWork, audit_log
from application.accounts.directory import UserDirectory
from domain.live.model import LiveSession, Participant, Presence, RoomRole, SessionStatus

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

live_participants = Table(
    "live_participants",
    metadata,
    Column("id", ID, primary_key=True),
    Column("session_id", ID, ForeignKey("live_sessions.id"), nullable=False),
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
        return self._tracked(select(LiveSession).where(live_sessions.c.status == status)
                             .order_by(live_sessions.c.starts_at).limit(limit))

    def _tracked(self, query: Any) -> list[LiveSession]:
        found = list(self.session.scalars(query))
        for live in found:
            self.tracker.track(live)
        return found


class SqlParticipantRepository:
    def __init__(self, session: Session, tracker: Tracker) -> None:
        self.session, self.tracker = session, tracker

    def add(self, participant: Participant) -> None:
        self.session.add(participant)
        self.tracker.track(participant)

    def get(self, session_id: str, user_id: str) -> Participant | None:
        c = live_participants.c
        found = self.session.scalars(select(Participant).where(
            c.session_id == session_id, c.user_id == user_id)).first()
        self.tracker.track(found)
        return found

    def for_session(self, session_id: str) -> list[Participant]:
        c = live_participants.c
        return list(self.session.scalars(select(Participant).where(c.session_id == session_id)
                                         .order_by(c.joined_at, c.id)))

    def uid_taken(self, session_id: str, uid: int) -> bool:
        c = live_participants.c
        self.session.flush()  # this transaction's own participants count too
        return self.session.execute(select(c.id).where(
            c.session_id == session_id, c.uid == uid)).first() is not None


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
        "participants": lambda uow: SqlParticipantRepository(uow.session, uow.tracker),
        "roster": course_roster,
        "people": lambda uow: UserDirectory(SqlUserRepository(uow.session, uow.tracker)),
        "audit": audit_log,
    }
