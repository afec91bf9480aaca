from __future__ import annotations

from dataclasses import dataclass

from application.live.consultation_billing import finish
from application.live.consultation_views import (
    ConsultationView,
    describe_consultation,
    visible_consultation,
)
from application.live.ports import LiveUnitOfWork
from application.shared.audit import Auditor
from application.shared.ports import Clock, IdGenerator, Principal
from domain.live.consultations import StopReason


@dataclass(frozen=True)
class StopConsultationCommand:
    actor: Principal
    consultation_id: str


class StopConsultation:
    """Either party (or a platform admin) stops the consultation: it is billed for the
    minutes both were present, the cost captured from the hold and the rest released. A
    stop that comes twice, or from both sides at once, answers the one bill: the row is
    locked, and whoever comes second finds it ended."""

    def __init__(self, uow: LiveUnitOfWork, clock: Clock, ids: IdGenerator,
                 auditor: Auditor) -> None:
        self.uow, self.clock, self.ids, self.auditor = uow, clock, ids, auditor

    def __call__(self, cmd: StopConsultationCommand) -> ConsultationView:
        with self.uow:
            consultation = visible_consultation(self.uow, cmd.actor, cmd.consultation_id,
                                                for_update=True)
            if consultation.is_active:
                reason = (StopReason.STUDENT if cmd.actor.user_id == consultation.student_id
                          else StopReason.PROVIDER
                          if cmd.actor.user_id == consultation.provider_id
                          else StopReason.ADMIN)
                bill = finish(self.uow, self.ids, consultation, reason, self.clock.now())
                self.auditor.record(self.uow, cmd.actor.user_id, "consultation.stopped",
                                    "consultation", consultation.id, reason=reason.value,
                                    minutes=bill.minutes, cost_minor=bill.cost.amount_minor)
                self.uow.commit()
            return describe_consultation(consultation)
