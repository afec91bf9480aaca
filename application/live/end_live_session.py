from __future__ import annotations

from dataclasses import dataclass

from application.live.access import may_manage, visible_session
from application.live.ports import LiveUnitOfWork
from application.live.session_views import SessionView, describe_session
from application.shared.audit import Auditor
from application.shared.ports import Clock, Principal
from domain.shared.errors import PermissionDenied


@dataclass(frozen=True)
class EndLiveSessionCommand:
    actor: Principal
    session_id: str
    cancel: bool = False  # a scheduled session that will not take place


class EndLiveSession:
    """The teacher or a platform admin ends a live session (no new joins, no new passes) or
    cancels a scheduled one."""

    def __init__(self, uow: LiveUnitOfWork, clock: Clock, auditor: Auditor) -> None:
        self.uow, self.clock, self.auditor = uow, clock, auditor

    def __call__(self, cmd: EndLiveSessionCommand) -> SessionView:
        with self.uow:
            session = visible_session(self.uow, cmd.actor, cmd.session_id)
            if not may_manage(cmd.actor, session):
                raise PermissionDenied("only the course's teacher or an admin ends it")
            if cmd.cancel:
                session.cancel(self.clock.now())
            else:
                session.end(self.clock.now())
            self.auditor.record(self.uow, cmd.actor.user_id,
                                f"live_session.{session.status.value}", "live_session",
                                session.id)
            self.uow.commit()
            return describe_session(session)
