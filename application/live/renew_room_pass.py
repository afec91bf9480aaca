from __future__ import annotations

from dataclasses import dataclass

from application.live.access import visible_session
from application.live.admission import Admission, admit
from application.live.config import LivePolicy
from application.live.ports import LiveUnitOfWork, RoomNames, VideoRooms
from application.shared.ports import Clock, IdGenerator, Principal
from domain.shared.errors import Conflict


@dataclass(frozen=True)
class RenewRoomPassQuery:
    actor: Principal
    session_id: str


class RenewRoomPass:
    """A new pass before the old one lapses, for a participant who joined and may still be
    there (a revoked enrollment or an ended session gets none). Presence is unchanged."""

    def __init__(self, uow: LiveUnitOfWork, rooms: VideoRooms, names: RoomNames,
                 clock: Clock, ids: IdGenerator, policy: LivePolicy) -> None:
        self.uow, self.rooms, self.names = uow, rooms, names
        self.clock, self.ids, self.policy = clock, ids, policy

    def __call__(self, query: RenewRoomPassQuery) -> Admission:
        with self.uow:
            session = visible_session(self.uow, query.actor, query.session_id)
            if self.uow.participants.get(session.id, query.actor.user_id) is None:
                raise Conflict("join the session first")
            _, admission = admit(self.uow, self.rooms, self.names, self.ids, self.policy,
                                 query.actor, session, self.clock.now())
            self.uow.commit()  # a role given meanwhile (a speaker) is kept
            return admission
