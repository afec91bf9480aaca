from __future__ import annotations

from dataclasses import dataclass

from application.live.access import visible_session
from application.live.ports import LiveUnitOfWork
from application.live.session_views import SessionView, describe_session
from application.shared.ports import Principal


@dataclass(frozen=True)
class GetLiveSessionQuery:
    actor: Principal
    session_id: str


class GetLiveSession:
    def __init__(self, uow: LiveUnitOfWork) -> None:
        self.uow = uow

    def __call__(self, query: GetLiveSessionQuery) -> SessionView:
        with self.uow:
            return describe_session(visible_session(self.uow, query.actor, query.session_id))
