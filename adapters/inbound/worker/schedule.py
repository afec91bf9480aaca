"""The cron schedule: recurring jobs registered on RQ's CronScheduler."""

from __future__ import annotations

from rq.cron import CronScheduler

from adapters.inbound.worker import jobs
from adapters.settings import Settings


def register_schedule(scheduler: CronScheduler, settings: Settings) -> None:
    recurring = [
        (jobs.relay_outbox, settings.outbox_relay_interval_seconds),
        (jobs.relay_webhooks, settings.outbox_relay_interval_seconds),
        (jobs.sweep_payments, 300),
        (jobs.purge_idempotency_keys, 3600),
        (jobs.purge_processed_records, 3600),
    ]
    for func, interval in recurring:
        scheduler.register(func, settings.queue_name, interval=interval, name=func.__name__)
