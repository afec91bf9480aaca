from __future__ import annotations

from dataclasses import dataclass

from application.live.config import ConsultationPolicy
from application.live.consultation_room import enter
from application.live.consultation_views import visible_consultation
from application.live.ports import LiveUnitOfWork, RoomNames, RoomPass, VideoRooms
from application.shared.ports import Clock, IdGenerator, Principal


@dataclass(frozen=True)
class JoinConsultationCommand:
    actor: Principal
    consultation_id: str


class JoinConsultation:
    """The provider enters (or either party comes back, or renews a pass): the arrival is
    recorded and the caller gets a pass of their own."""

    def __init__(self, uow: LiveUnitOfWork, rooms: VideoRooms, names: RoomNames,
                 clock: Clock, ids: IdGenerator, policy: ConsultationPolicy) -> None:
        self.uow, self.rooms, self.names = uow, rooms, names
        self.clock, self.ids, self.policy = clock, ids, policy

    def __call__(self, cmd: JoinConsultationCommand) -> RoomPass:
        with self.uow:
            consultation = visible_consultation(self.uow, cmd.actor, cmd.consultation_id,
                                                for_update=True)
            room_pass = enter(self.uow, self.rooms, self.names, self.ids, self.policy,
                              consultation, cmd.actor.user_id, self.clock.now())
            self.uow.commit()
            return room_pass
