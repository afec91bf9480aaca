"""Live classes: a session a course's teacher schedules, starts and ends, and the people in
it, with the stretches of time each was present (from joins, heartbeats and leaves)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from domain.live.events import LiveSessionCanceled, LiveSessionEnded, LiveSessionStarted
from domain.shared.errors import Conflict, InvalidValue
from domain.shared.model import Aggregate

MIN_PLANNED_MINUTES, MAX_PLANNED_MINUTES = 5, 8 * 60
# A participant with no heartbeat for this long has left (clients beat every 30 s).
PRESENCE_TIMEOUT = timedelta(seconds=90)
# Scheduling a little in the past is starting now; a day back is a mistake.
_SCHEDULING_SLACK = timedelta(minutes=15)
MAX_UID = 2**32 - 1


class SessionStatus(StrEnum):
    SCHEDULED = "scheduled"
    LIVE = "live"
    ENDED = "ended"
    CANCELED = "canceled"


class RoomRole(StrEnum):
    """What a participant may do in the room."""

    HOST = "host"  # the teacher: moderates, publishes, records
    SPEAKER = "speaker"  # publishes audio and video (a student given the floor)
    AUDIENCE = "audience"  # watches and listens only


@dataclass(eq=False)
class LiveSession(Aggregate):
    id: str
    course_id: str
    teacher_id: str
    title: str
    starts_at: datetime
    planned_minutes: int
    provider: str  # the video vendor the session runs on, fixed when it is scheduled
    created_at: datetime
    status: SessionStatus = SessionStatus.SCHEDULED
    started_at: datetime | None = None
    ended_at: datetime | None = None
    version: int = 1

    @classmethod
    def schedule(cls, id: str, course_id: str, teacher_id: str, title: str,
                 starts_at: datetime, planned_minutes: int, provider: str,
                 now: datetime) -> LiveSession:
        title = title.strip()
        if not 1 <= len(title) <= 200:
            raise InvalidValue("a session's title has 1 to 200 characters")
        if not MIN_PLANNED_MINUTES <= planned_minutes <= MAX_PLANNED_MINUTES:
            raise InvalidValue(f"a session lasts {MIN_PLANNED_MINUTES} to "
                               f"{MAX_PLANNED_MINUTES} minutes")
        if starts_at.tzinfo is None:
            raise InvalidValue("starts_at needs a time zone (an offset or Z)")
        if starts_at < now - _SCHEDULING_SLACK:
            raise InvalidValue("starts_at is in the past")
        return cls(id, course_id, teacher_id, title, starts_at, planned_minutes, provider, now)

    @property
    def planned_end(self) -> datetime:
        """When the class should be over: the planned duration from its actual start."""
        return (self.started_at or self.starts_at) + timedelta(minutes=self.planned_minutes)

    def start(self, now: datetime) -> None:
        self._move(SessionStatus.SCHEDULED, SessionStatus.LIVE, "started")
        self.started_at = now
        self.events.append(LiveSessionStarted(session_id=self.id, course_id=self.course_id,
                                              teacher_id=self.teacher_id, title=self.title))

    def end(self, now: datetime) -> None:
        self._move(SessionStatus.LIVE, SessionStatus.ENDED, "ended")
        self.ended_at = now
        self.events.append(LiveSessionEnded(session_id=self.id, course_id=self.course_id))

    def cancel(self, now: datetime) -> None:
        self._move(SessionStatus.SCHEDULED, SessionStatus.CANCELED, "canceled")
        self.ended_at = now
        self.events.append(LiveSessionCanceled(session_id=self.id, course_id=self.course_id))

    def ensure_live(self) -> None:
        if self.status is not SessionStatus.LIVE:
            raise Conflict(f"the session is {self.status.value}, not live")

    def _move(self, source: SessionStatus, target: SessionStatus, verb: str) -> None:
        if self.status is not source:
            raise Conflict(f"a {self.status.value} session cannot be {verb}")
        self.status = target
        self.version += 1


@dataclass(eq=False)
class Presence:
    """One stretch of time a participant was in the session."""

    id: str
    started_at: datetime
    last_seen_at: datetime
    ended_at: datetime | None = None

    def end(self, now: datetime) -> datetime:
        """When this stretch ended, or ``now`` while it goes on. Silence for longer than
        ``PRESENCE_TIMEOUT`` ended it at the last sign of life."""
        if self.ended_at is not None:
            return self.ended_at
        return self.last_seen_at if now - self.last_seen_at > PRESENCE_TIMEOUT else now

    def is_open(self, now: datetime) -> bool:
        return self.ended_at is None and now - self.last_seen_at <= PRESENCE_TIMEOUT


@dataclass(eq=False)
class Participant(Aggregate):
    """Someone admitted to a session: their room uid (unique in the session, the same for
    every pass they get) and when they were there."""

    id: str
    session_id: str
    user_id: str
    uid: int
    role: RoomRole
    joined_at: datetime
    presences: list[Presence] = field(default_factory=list)
    version: int = 1

    @staticmethod
    def uid_for(session_id: str, user_id: str, attempt: int = 0) -> int:
        """A stable uid, 1 to 2**32 - 1; ``attempt`` picks another when it is taken."""
        digest = hashlib.sha256(f"{session_id}:{user_id}:{attempt}".encode()).digest()
        return int.from_bytes(digest[:4], "big") % MAX_UID + 1

    def assign(self, role: RoomRole) -> None:
        """The rights the participant's next pass grants (the teacher gave or took the
        floor); a change is a new version, like any other."""
        if role is not self.role:
            self.role = role
            self.version += 1

    def arrive(self, presence_id: str, now: datetime) -> None:
        """A join: a new stretch of presence unless one is still going, which it then
        extends. A join is a sign of life like a heartbeat, and counts the same."""
        self.beat(presence_id, now)

    def beat(self, presence_id: str, now: datetime) -> None:
        """A heartbeat: the current stretch goes on, or, after a silence, a new one starts
        (the connection dropped and came back)."""
        current = self._current(now)
        if current is None:
            self.presences.append(Presence(presence_id, now, now))
        else:
            current.last_seen_at = now
        self.version += 1

    def leave(self, now: datetime) -> None:
        current = self._current(now)
        if current is not None:
            current.last_seen_at = current.ended_at = now
            self.version += 1

    def present_seconds(self, now: datetime) -> int:
        return int(sum((p.end(now) - p.started_at).total_seconds() for p in self.presences))

    def is_present(self, now: datetime) -> bool:
        return self._current(now) is not None

    def _current(self, now: datetime) -> Presence | None:
        latest = self.presences[-1] if self.presences else None
        return latest if latest is not None and latest.is_open(now) else None
