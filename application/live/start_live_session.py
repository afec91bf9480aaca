from __future__ import annotations

from dataclasses import dataclass

from application.live.access import is_teacher, visible_session
from application.live.ports import LiveUnitOfWork
from application.live.session_views import SessionView, describe_session
from application.shared.audit import Auditor
from application.shared.ports import Clock, Principal
from domain.shared.errors import PermissionDenied


@dataclass(frozen=True)
class StartLiveSessionCommand:
    actor: Principal
    session_id: str


class StartLiveSession:
    """The teacher opens the room. After commit, ``LiveSessionStarted`` is broadcast on the
    course's channel and every actively enrolled student is told (outbox handlers)."""

    def __init__(self, uow: LiveUnitOfWork, clock: Clock, auditor: Auditor) -> None:
        self.uow, self.clock, self.auditor = uow, clock, auditor

    def __call__(self, cmd: StartLiveSessionCommand) -> SessionView:
        with self.uow:
            session = visible_session(self.uow, cmd.actor, cmd.session_id)
            if not is_teacher(cmd.actor, session):
                raise PermissionDenied("only the course's teacher starts its live sessions")
            session.start(self.clock.now())  # Conflict unless scheduled
            self.auditor.record(self.uow, cmd.actor.user_id, "live_session.started",
                                "live_session", session.id)
            self.uow.commit()
            return describe_session(session)
