from __future__ import annotations

from dataclasses import dataclass

from application.identity.published import IdentityRequirements
from application.live.access import visible_session
from application.live.admission import Admission, admit
from application.live.config import LivePolicy
from application.live.ports import LiveUnitOfWork, RoomNames, VideoRooms
from application.shared.ports import Clock, IdGenerator, Principal


@dataclass(frozen=True)
class JoinLiveSessionCommand:
    actor: Principal
    session_id: str


class JoinLiveSession:
    """Enters a live session: records the arrival and answers the pass for its video
    vendor (a link, or a token and uid). Where the platform asks it, a student needs a
    verified identity."""

    def __init__(self, uow: LiveUnitOfWork, rooms: VideoRooms, names: RoomNames,
                 clock: Clock, ids: IdGenerator, policy: LivePolicy,
                 requirements: IdentityRequirements) -> None:
        self.uow, self.rooms, self.names = uow, rooms, names
        self.clock, self.ids, self.policy = clock, ids, policy
        self.requirements = requirements

    def __call__(self, cmd: JoinLiveSessionCommand) -> Admission:
        now = self.clock.now()
        with self.uow:
            session = visible_session(self.uow, cmd.actor, cmd.session_id)
            self.requirements.ensure_verified(self.uow.standing, cmd.actor,
                                              "join live sessions")
            participant, admission = admit(self.uow, self.rooms, self.names, self.ids,
                                           self.policy, cmd.actor, session, now)
            participant.arrive(self.ids.new_id(), now)
            self.uow.commit()
            return admission
