"""The cron schedule: every job declared with ``every``, registered on RQ's CronScheduler."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from adapters.inbound.worker.jobs import declared_jobs, job_function
from adapters.settings import Settings
from application.shared.relay_outbox import RELAY_OUTBOX
from application.shared.relay_webhooks import RELAY_WEBHOOKS


class Scheduler(Protocol):
    """RQ's ``CronScheduler`` (with Redis) or ``InlineCron`` (the embedded default)."""

    def register(self, func: Callable[[], object], queue_name: str, *, interval: int,
                 name: str) -> Any: ...


def register_schedule(scheduler: Scheduler, settings: Settings) -> None:
    configured = {RELAY_OUTBOX.name: settings.outbox_relay_interval_seconds,
                  RELAY_WEBHOOKS.name: settings.outbox_relay_interval_seconds}
    for job in declared_jobs().values():
        if job.every is not None:
            interval = configured.get(job.name, int(job.every.total_seconds()))
            scheduler.register(job_function(job.name), settings.queue_name, interval=interval,
                               name=job.name)
