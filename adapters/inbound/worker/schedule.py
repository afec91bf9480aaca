"""The cron schedule: recurring jobs registered on RQ's CronScheduler."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from adapters.inbound.worker import jobs
from adapters.settings import Settings


class Scheduler(Protocol):
    """RQ's ``CronScheduler`` (with Redis) or ``InlineCron`` (the embedded default)."""

    def register(self, func: Callable[[], object], queue_name: str, *, interval: int,
                 name: str) -> Any: ...


def register_schedule(scheduler: Scheduler, settings: Settings) -> None:
    recurring = [
        (jobs.relay_outbox, settings.outbox_relay_interval_seconds),
        (jobs.relay_webhooks, settings.outbox_relay_interval_seconds),
        (jobs.sweep_payments, 300),
        (jobs.purge_idempotency_keys, 3600),
        (jobs.purge_processed_records, 3600),
    ]
    for func, interval in recurring:
        scheduler.register(func, settings.queue_name, interval=interval, name=func.__name__)
