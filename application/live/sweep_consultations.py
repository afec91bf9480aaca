from __future__ import annotations

import logging
from datetime import timedelta

from application.live.config import ConsultationPolicy
from application.live.consultation_billing import finish, locked, meter
from application.live.ports import LiveUnitOfWork
from application.shared.jobs import Job
from application.shared.ports import Clock, IdGenerator
from domain.shared.errors import Conflict

log = logging.getLogger(__name__)
BATCH = 200


class SweepConsultations:
    """Runs on the cron: meters every running consultation, so one that nobody beats for
    any more (both left, or both dropped) or whose credits ran out stops and is billed even
    when no request comes. One transaction per consultation: one that fails waits for the
    next sweep without holding the others back."""

    def __init__(self, uow: LiveUnitOfWork, clock: Clock, ids: IdGenerator,
                 policy: ConsultationPolicy) -> None:
        self.uow, self.clock, self.ids, self.policy = uow, clock, ids, policy

    def __call__(self) -> int:
        with self.uow:
            running = [c.id for c in self.uow.consultations.running(BATCH)]
        stopped = 0
        for consultation_id in running:
            now = self.clock.now()
            try:
                with self.uow:
                    consultation = locked(self.uow, consultation_id)
                    if not consultation.is_active:
                        continue
                    reason = meter(self.uow, self.ids, self.policy, consultation, now)
                    if reason is not None:
                        finish(self.uow, self.ids, consultation, reason, now)
                        stopped += 1
                    self.uow.commit()
            except Conflict as error:  # a heartbeat or a stop raced it: it was metered
                log.info("consultation %s left for the next sweep: %s", consultation_id,
                         error.message)
        return stopped


SWEEP_CONSULTATIONS = Job("sweep_consultations", SweepConsultations,
                          every=timedelta(minutes=1))
