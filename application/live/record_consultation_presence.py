from __future__ import annotations

from dataclasses import dataclass

from application.live.config import ConsultationPolicy
from application.live.consultation_billing import finish, meter, parties
from application.live.consultation_views import (
    ConsultationView,
    describe_consultation,
    visible_consultation,
)
from application.live.ports import LiveUnitOfWork
from application.live.record_presence import PresenceSignal
from application.shared.ports import Clock, IdGenerator, Principal
from domain.live.consultations import together_seconds
from domain.shared.errors import Conflict


@dataclass(frozen=True)
class RecordConsultationPresenceCommand:
    actor: Principal
    consultation_id: str
    signal: PresenceSignal


@dataclass(frozen=True)
class ConsultationPresence:
    present: bool
    together_seconds: int  # both present so far: what the bill counts
    consultation: ConsultationView


class RecordConsultationPresence:
    """A party's heartbeat or leave. Each one meters the consultation: the hold grows
    before it runs out, and when it can grow no further, or both are away, the
    consultation stops and is billed there and then."""

    def __init__(self, uow: LiveUnitOfWork, clock: Clock, ids: IdGenerator,
                 policy: ConsultationPolicy) -> None:
        self.uow, self.clock, self.ids, self.policy = uow, clock, ids, policy

    def __call__(self, cmd: RecordConsultationPresenceCommand) -> ConsultationPresence:
        now = self.clock.now()
        with self.uow:
            consultation = visible_consultation(self.uow, cmd.actor, cmd.consultation_id,
                                                for_update=True)
            participant = self.uow.participants.get(consultation.id, cmd.actor.user_id)
            if participant is None:
                raise Conflict("join the consultation first")
            consultation.ensure_active()
            if cmd.signal is PresenceSignal.LEAVE:
                participant.leave(now)
            else:
                participant.beat(self.ids.new_id(), now)
            reason = meter(self.uow, self.ids, self.policy, consultation, now)
            if reason is not None:
                finish(self.uow, self.ids, consultation, reason, now)
            seconds = together_seconds(*parties(self.uow, consultation), now)
            self.uow.commit()
            return ConsultationPresence(participant.is_present(now), seconds,
                                        describe_consultation(consultation))
