from __future__ import annotations

from dataclasses import dataclass

from application.live.ports import LiveUnitOfWork
from application.live.session_views import SessionView, describe_session
from application.shared.ports import Clock, Principal
from domain.live.model import SessionStatus
from domain.shared.errors import PermissionDenied
from domain.shared.roles import Role


@dataclass(frozen=True)
class ListSessionsByStatusQuery:
    actor: Principal
    status: SessionStatus = SessionStatus.LIVE
    limit: int = 100


@dataclass(frozen=True)
class SessionActivity:
    session: SessionView
    participants: int  # admitted so far
    present: int  # in the room now


class ListSessionsByStatus:
    """Platform admins watch live sessions and how many are in each."""

    def __init__(self, uow: LiveUnitOfWork, clock: Clock) -> None:
        self.uow, self.clock = uow, clock

    def __call__(self, query: ListSessionsByStatusQuery) -> list[SessionActivity]:
        if query.actor.role != Role.PLATFORM_ADMIN:
            raise PermissionDenied("only platform admins list every live session")
        now = self.clock.now()
        with self.uow:
            found = []
            for session in self.uow.sessions.with_status(query.status, query.limit):
                people = [p for p in self.uow.participants.for_session(session.id)
                          if p.presences]
                live = session.status is SessionStatus.LIVE  # nobody is in an ended one
                found.append(SessionActivity(describe_session(session), len(people),
                                             sum(live and p.is_present(now) for p in people)))
            return found
