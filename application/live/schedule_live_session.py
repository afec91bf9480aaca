from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from application.live.ports import LiveUnitOfWork, VideoRooms
from application.live.session_views import SessionView, describe_session
from application.shared.audit import Auditor
from application.shared.ports import Clock, IdGenerator, Principal
from domain.live.model import LiveSession
from domain.shared.errors import NotFound, PermissionDenied
from domain.shared.roles import Role


@dataclass(frozen=True)
class ScheduleLiveSessionCommand:
    actor: Principal
    course_id: str
    title: str
    starts_at: datetime
    planned_minutes: int


class ScheduleLiveSession:
    """A course's teacher schedules a live class; it runs on the video vendor configured
    now, whatever changes later."""

    def __init__(self, uow: LiveUnitOfWork, rooms: VideoRooms, clock: Clock,
                 ids: IdGenerator, auditor: Auditor) -> None:
        self.uow, self.rooms, self.clock, self.ids, self.auditor = uow, rooms, clock, ids, auditor

    def __call__(self, cmd: ScheduleLiveSessionCommand) -> SessionView:
        with self.uow:
            course = self.uow.roster.course(cmd.course_id)
            if course is None:
                raise NotFound(f"no course {cmd.course_id}")
            if cmd.actor.user_id != course.teacher_id or cmd.actor.role != Role.TEACHER:
                raise PermissionDenied("only the course's teacher schedules its live sessions")
            session = LiveSession.schedule(
                self.ids.new_id(), course.id, course.teacher_id, cmd.title, cmd.starts_at,
                cmd.planned_minutes, self.rooms.provider, self.clock.now())
            self.uow.sessions.add(session)
            self.auditor.record(self.uow, cmd.actor.user_id, "live_session.scheduled",
                                "live_session", session.id)
            self.uow.commit()
            return describe_session(session)
