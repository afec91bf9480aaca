from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from application.live.access import may_manage, visible_session
from application.live.ports import LiveUnitOfWork
from application.shared.ports import Clock, Principal
from domain.shared.errors import PermissionDenied


@dataclass(frozen=True)
class GetAttendanceQuery:
    actor: Principal
    session_id: str


@dataclass(frozen=True)
class Interval:
    joined_at: datetime
    left_at: datetime | None  # None: still there


@dataclass(frozen=True)
class AttendanceLine:
    user_id: str
    name: str
    role: str
    intervals: tuple[Interval, ...]
    seconds: int
    minutes: int  # rounded up: a minute begun counts


@dataclass(frozen=True)
class Attendance:
    session_id: str
    status: str
    participants: tuple[AttendanceLine, ...]
    absent: tuple[tuple[str, str], ...]  # (user id, name) of enrolled students never joined


class GetAttendance:
    """Who was in a live session and when, for its teacher and platform admins. Times after
    the session ended do not count; a participant silent for 90 s left at their last
    heartbeat."""

    def __init__(self, uow: LiveUnitOfWork, clock: Clock) -> None:
        self.uow, self.clock = uow, clock

    def __call__(self, query: GetAttendanceQuery) -> Attendance:
        with self.uow:
            session = visible_session(self.uow, query.actor, query.session_id)
            if not may_manage(query.actor, session):
                raise PermissionDenied("only the course's teacher or an admin reads attendance")
            at = session.ended_at or self.clock.now()
            lines, joined = [], set()
            for p in self.uow.participants.for_session(session.id):
                if not p.presences:  # given the floor, never came
                    continue
                joined.add(p.user_id)
                intervals = tuple(Interval(x.started_at, None if session.ended_at is None
                                           and x.is_open(at) else x.end(at))
                                  for x in p.presences)
                seconds = p.present_seconds(at)
                lines.append(AttendanceLine(p.user_id, self._name(p.user_id), p.role.value,
                                            intervals, seconds, math.ceil(seconds / 60)))
            absent = tuple((user_id, self._name(user_id)) for user_id in sorted(
                set(self.uow.roster.active_students(session.course_id)) - joined))
            return Attendance(session.id, session.status.value, tuple(lines), absent)

    def _name(self, user_id: str) -> str:
        contact = self.uow.people.contact(user_id)
        return contact.full_name if contact is not None else ""
