from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from application.live.access import room_role, visible_session
from application.live.config import LivePolicy
from application.live.ports import LiveUnitOfWork
from application.shared.ports import Clock, IdGenerator, Principal
from domain.shared.errors import Conflict, PermissionDenied


class PresenceSignal(StrEnum):
    HEARTBEAT = "heartbeat"  # every 30 s while in the room
    LEAVE = "leave"


@dataclass(frozen=True)
class RecordPresenceCommand:
    actor: Principal
    session_id: str
    signal: PresenceSignal


@dataclass(frozen=True)
class PresenceResult:
    present: bool
    present_seconds: int


class RecordPresence:
    """A participant's heartbeat or leave, recorded server-side; attendance is computed
    from them. Only someone who joined may beat, while the session is live and while they
    are still allowed in (a revoked enrollment ends their presence and is refused)."""

    def __init__(self, uow: LiveUnitOfWork, clock: Clock, ids: IdGenerator,
                 policy: LivePolicy) -> None:
        self.uow, self.clock, self.ids, self.policy = uow, clock, ids, policy

    def __call__(self, cmd: RecordPresenceCommand) -> PresenceResult:
        now = self.clock.now()
        # Every write here is the participant's, versioned: the reads wait for no writer, and
        # a heartbeat racing a leave still cannot land on top of it (the loser gets 409). A
        # heartbeat lost in a machine's crash is 30 s of presence the next one restores: its
        # commit need not wait for the disk (a leave's does).
        with self.uow.optimistic(durable=cmd.signal is PresenceSignal.LEAVE):
            participant = self.uow.participants.get(cmd.session_id, cmd.actor.user_id)
            session = self.uow.sessions.get(cmd.session_id)
            if session is None or participant is None:
                visible_session(self.uow, cmd.actor, cmd.session_id)  # 404 / 403 for strangers
                raise Conflict("join the session first")
            # A participant who lost access meanwhile is still someone who joined: their
            # presence ends below rather than being refused before it can.
            if cmd.signal is PresenceSignal.LEAVE:
                participant.leave(min(now, session.ended_at or now))
            else:
                session.ensure_live()
                if now > session.planned_end + self.policy.grace:
                    # Its passes have lapsed: nobody is in the room by eduport's leave.
                    raise Conflict("the session ran past its planned end and grace period; "
                                   "it counts no more presence")
                try:
                    room_role(self.uow, cmd.actor, session, participant)
                except PermissionDenied:
                    participant.leave(now)
                    self.uow.commit()
                    raise
                participant.beat(self.ids.new_id(), now)
                self.uow.participants.save_presence(participant)
            self.uow.commit()
            return PresenceResult(participant.is_present(now), participant.present_seconds(now))
