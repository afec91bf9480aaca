"""What live classes need from the outside world: video rooms (Jitsi, JaaS, Agora), the
names of rooms, and their own records. The vendors behind ``VideoRooms`` are reached without
any HTTP call: a pass is computed, signed and handed out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from application.accounts.published import AccountDirectory
from application.catalog.published import CourseRoster
from application.identity.published import IdentityStanding
from application.shared.ports import AuditedUnitOfWork
from domain.live.consultations import Consultation, ConsultationService
from domain.live.credits import CreditBalance, CreditEntry
from domain.live.model import LiveSession, Participant, RoomRole, SessionStatus


@dataclass(frozen=True)
class Attendee:
    """Who enters. ``uid`` is allocated by eduport per session and participant, unique in the
    session and stable across renewals, 1 to 2**32 - 1 (Agora's range); other vendors ignore
    it."""

    user_id: str
    name: str
    email: str
    role: RoomRole
    uid: int


@dataclass(frozen=True)
class RoomPass:
    """What the client needs to enter ``room`` on ``provider``.

    ``join_url``: the meeting link (Jitsi, JaaS; the token in it when there is one); None for
    Agora, whose SDK takes ``app_id``, ``room`` (the channel), ``uid`` and ``token``.
    ``expires_at``: when ``token`` stops admitting (None: no token, the room is public)."""

    provider: str
    room: str
    display_name: str
    join_url: str | None = None
    token: str | None = None
    expires_at: datetime | None = None
    app_id: str | None = None
    uid: int | None = None


class VideoRooms(Protocol):
    """One video vendor. Every call is local (nothing goes over the network) and pure: the
    same arguments give an equivalent pass."""

    provider: str

    def admit(self, room: str, attendee: Attendee, now: datetime,
              not_after: datetime) -> RoomPass:
        """A pass into ``room`` (lower case ``[a-z0-9-]``, at most 63 characters) for
        ``attendee``. A signed pass is valid from ``now`` (UTC) until ``not_after`` or the
        vendor's own limit, whichever comes first; it admits to this room only and grants
        ``attendee.role``'s rights and no more. Raises ``ValueError`` when ``not_after`` is
        not after ``now``."""


class RoomNames(Protocol):
    def room_for(self, session_id: str) -> str:
        """The session's room: the same for every call, lower case ``[a-z0-9-]``, at most
        63 characters, and not guessable from the session id (keyed with a server
        secret)."""


class LiveSessionRepository(Protocol):
    def add(self, session: LiveSession) -> None: ...
    def get(self, session_id: str) -> LiveSession | None: ...

    def for_course(self, course_id: str) -> list[LiveSession]:
        """The course's sessions, soonest start first."""

    def with_status(self, status: SessionStatus, limit: int) -> list[LiveSession]:
        """Sessions in ``status``: scheduled and live ones soonest start first, ended and
        canceled ones latest start first (the recent ones matter)."""


class ParticipantRepository(Protocol):
    def add(self, participant: Participant) -> None: ...
    def get(self, session_id: str, user_id: str) -> Participant | None: ...

    def save_presence(self, participant: Participant) -> None:
        """Writes what a heartbeat changed now instead of at commit, which still makes it
        last: the busiest write of a live class, done without the general-purpose save.
        Extending the open stretch checks the stretch is as it was read and leaves the
        participant's version where it is; opening one moves the version. Raises
        ``Conflict`` when the stretch or the version changed since it was read."""

    def for_session(self, session_id: str) -> list[Participant]:
        """Everyone admitted to the session, first joined first."""

    def uid_taken(self, session_id: str, uid: int) -> bool:
        """Whether someone in the session has ``uid`` already (this transaction's own
        participants included)."""


class CreditLedger(Protocol):
    """Students' credits: an append-only ledger and the balances it adds up to."""

    def post(self, entry: CreditEntry) -> bool:
        """Appends ``entry`` and moves its user's balance in that currency, in this
        transaction. False, and nothing changes, when the user has an entry with the same
        idempotency key already (a replay). Raises ``InsufficientCredits`` when either part
        of the balance would go below zero: the store itself refuses it, so two debits at
        once can never overdraw."""

    def balances(self, user_id: str) -> list[CreditBalance]:
        """The user's balances, one per currency they ever held credits in."""

    def entries(self, user_id: str, limit: int) -> list[CreditEntry]:
        """The user's entries, newest first."""


class ConsultationServiceRepository(Protocol):
    def add(self, service: ConsultationService) -> None: ...
    def get(self, service_id: str) -> ConsultationService | None: ...

    def offered(self, provider_id: str | None, limit: int) -> list[ConsultationService]:
        """Active services (of one provider when given), newest first."""


class ConsultationRepository(Protocol):
    def add(self, consultation: Consultation) -> None: ...

    def get(self, consultation_id: str, for_update: bool = False) -> Consultation | None:
        """``for_update`` locks it until commit: stops, heartbeats and the sweeper of one
        consultation queue instead of billing from what another is changing."""

    def of_person(self, user_id: str, limit: int) -> list[Consultation]:
        """Where ``user_id`` is the student or the provider, latest start first."""

    def running(self, limit: int) -> list[Consultation]:
        """Active consultations, oldest start first."""

    def ended_between(self, start: datetime, end: datetime,
                      provider_id: str | None = None) -> list[Consultation]:
        """Consultations that ended in [start, end), of one provider when given."""


class LiveUnitOfWork(AuditedUnitOfWork, Protocol):
    """One transaction over live sessions, consultations and their participants (a
    consultation's two parties are participants under its id). ``roster`` reads the
    catalog's courses and enrollments, ``people`` the accounts' names and addresses,
    ``standing`` the identity area's verifications, in the same transaction (read-only)."""

    sessions: LiveSessionRepository
    participants: ParticipantRepository
    credits: CreditLedger
    services: ConsultationServiceRepository
    consultations: ConsultationRepository
    roster: CourseRoster
    people: AccountDirectory
    standing: IdentityStanding
