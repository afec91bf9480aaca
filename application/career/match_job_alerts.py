"""Which students a new posting alerts (an outbox handler on ``JobPosted``, retried on its
own): those whose latest CV shares its skills, and those with a saved search that finds it.
The alerts wait for the student's next daily digest."""

from __future__ import annotations

from application.career.ports import CareerUnitOfWork
from application.shared.ports import Clock
from domain.career.alerts import AlertReason, skill_keys, skills_in_common_needed
from domain.career.events import JobPosted
from domain.shared.events import Event

BATCH = 500


class MatchJobAlerts:
    def __init__(self, uow: CareerUnitOfWork, clock: Clock) -> None:
        self.uow, self.clock = uow, clock

    def __call__(self, event: Event, idempotency_key: str) -> None:
        if not isinstance(event, JobPosted):
            raise TypeError(f"MatchJobAlerts handles postings, not {event.name}")
        with self.uow:
            job = self.uow.jobs.get(event.job_id)
            if job is None or not job.is_open:
                return
            found: dict[str, AlertReason] = {}
            after = ""
            while searches := self.uow.saved_searches.after(after, BATCH):
                found.update({s.user_id: AlertReason.SAVED_SEARCH for s in searches
                              if s.user_id not in found and s.matches(job)})
                after = searches[-1].id
            if needed := skills_in_common_needed(job.skills):
                for student in self.uow.skills.holders(skill_keys(job.skills), needed):
                    found.setdefault(student, AlertReason.SKILLS)
            found.pop(job.company_id, None)
            self.uow.alerts.queue(job.id, found, self.clock.now())
            self.uow.commit()
