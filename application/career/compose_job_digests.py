from __future__ import annotations

from datetime import datetime, timedelta

from application.career.config import CareerPolicy
from application.career.ports import CareerUnitOfWork, JobDigest
from application.shared.jobs import Job
from application.shared.ports import Clock
from domain.career.alerts import DIGEST_JOBS
from domain.career.events import JobDigestComposed

BATCH = 200
ALERTS_READ = 500  # of one student's, at most, into one digest


class ComposeJobDigests:
    """Runs on the cron: from the digest hour (UTC) on, each student with new alerts and no
    digest today gets one naming the newest postings still open (``TellStudentOfJobs`` sends
    it after commit). Alerts of postings closed meanwhile are dropped."""

    def __init__(self, uow: CareerUnitOfWork, policy: CareerPolicy, clock: Clock) -> None:
        self.uow, self.policy, self.clock = uow, policy, clock

    def __call__(self) -> int:
        now = self.clock.now()
        if now.hour < self.policy.digest_hour:
            return 0
        day, composed = now.date().isoformat(), 0
        while True:
            with self.uow.reading():
                students = self.uow.alerts.waiting(day, BATCH)
            if not students:
                return composed
            composed += sum(self._compose(student, day, now) for student in students)

    def _compose(self, student_id: str, day: str, now: datetime) -> int:
        with self.uow:
            waiting = self.uow.alerts.waiting_for(student_id, ALERTS_READ)
            postings = sorted((job for job in map(self.uow.jobs.get, waiting)
                               if job is not None and job.is_open),
                              key=lambda job: (job.posted_at, job.id), reverse=True)
            self.uow.alerts.mark(student_id, waiting, day)
            if postings:
                digest = JobDigest(student_id, day, tuple(j.id for j in postings[:DIGEST_JOBS]),
                                   len(postings))
                if not self.uow.alerts.take_day(digest, now):
                    return 0  # another run composed it: rolled back, its alerts untouched
                self.uow.publish(JobDigestComposed(student_id, day))
            self.uow.commit()
        return 1 if postings else 0


COMPOSE_JOB_DIGESTS = Job("compose_job_digests", ComposeJobDigests,
                          every=timedelta(minutes=30))
