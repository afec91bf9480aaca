from __future__ import annotations

from application.live.access import room_role, visible_session
from application.live.ports import LiveUnitOfWork
from application.shared.ports import Principal
from domain.live.model import SessionStatus
from domain.shared.errors import NotFound, PermissionDenied


class MayEnterSession:
    """The rule of ``presence-session.{id}``: the same as joining (the session is live and
    the caller may enter it)."""

    def __init__(self, uow: LiveUnitOfWork) -> None:
        self.uow = uow

    def __call__(self, principal: Principal, session_id: str) -> bool:
        with self.uow:
            try:
                session = visible_session(self.uow, principal, session_id)
                participant = self.uow.participants.get(session.id, principal.user_id)
                room_role(self.uow, principal, session, participant)
            except (NotFound, PermissionDenied):
                return False
            return session.status is SessionStatus.LIVE
