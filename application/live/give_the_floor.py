from __future__ import annotations

from dataclasses import dataclass

from application.live.access import is_teacher, visible_session
from application.live.admission import free_uid
from application.live.ports import LiveUnitOfWork
from application.shared.ports import Clock, IdGenerator, Principal
from domain.live.model import Participant, RoomRole
from domain.shared.errors import InvalidValue, PermissionDenied


@dataclass(frozen=True)
class GiveTheFloorCommand:
    actor: Principal
    session_id: str
    student_id: str
    speaks: bool = True  # False takes the floor back


class GiveTheFloor:
    """The teacher lets an enrolled student speak (or stops them): the student's next pass
    (join or renewal) publishes audio and video."""

    def __init__(self, uow: LiveUnitOfWork, clock: Clock, ids: IdGenerator) -> None:
        self.uow, self.clock, self.ids = uow, clock, ids

    def __call__(self, cmd: GiveTheFloorCommand) -> str:
        with self.uow:
            session = visible_session(self.uow, cmd.actor, cmd.session_id)
            if not is_teacher(cmd.actor, session):
                raise PermissionDenied("only the course's teacher gives the floor")
            session.ensure_live()
            if not self.uow.roster.is_active_student(session.course_id, cmd.student_id):
                raise InvalidValue(f"{cmd.student_id} is not a student of this course")
            role = RoomRole.SPEAKER if cmd.speaks else RoomRole.AUDIENCE
            participant = self.uow.participants.get(session.id, cmd.student_id)
            if participant is None:
                uid = free_uid(self.uow, session.id, cmd.student_id)
                participant = Participant(self.ids.new_id(), session.id, cmd.student_id, uid,
                                          role, self.clock.now())
                self.uow.participants.add(participant)
            participant.assign(role)
            self.uow.commit()
            return role.value
