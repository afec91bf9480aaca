"""A new posting is announced on the public ``job-board`` channel after commit."""

from __future__ import annotations

from application.career.ports import CareerUnitOfWork
from application.messaging.published import RealtimePublisher
from domain.career.events import JobPosted
from domain.shared.events import Event

JOB_BOARD = "job-board"


class AnnounceJob:
    def __init__(self, uow: CareerUnitOfWork, publisher: RealtimePublisher) -> None:
        self.uow, self.publisher = uow, publisher

    def __call__(self, event: Event, idempotency_key: str) -> None:
        if not isinstance(event, JobPosted):
            raise TypeError(f"AnnounceJob handles postings, not {event.name}")
        with self.uow.reading():
            job = self.uow.jobs.get(event.job_id)
        if job is None or not job.is_open:
            return
        self.publisher.publish([JOB_BOARD], "job.posted", {
            "job_id": job.id, "title": job.title[:200], "company": job.company[:200],
            "location": job.location[:200], "remote": job.remote,
            "skills": list(job.skills[:10])})
