"""The cron schedule: recurring jobs registered on RQ's CronScheduler."""

from __future__ import annotations

from rq.cron import CronScheduler

from adapters.inbound.worker import jobs

# (job function, interval in seconds)
RECURRING = [
    (jobs.relay_outbox, 60),
]


def register_schedule(scheduler: CronScheduler, queue_name: str = "default") -> None:
    for func, interval in RECURRING:
        scheduler.register(func, queue_name, interval=interval, name=func.__name__)
