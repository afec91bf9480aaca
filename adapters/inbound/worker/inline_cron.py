"""The cron of the embedded default (no Redis, so no RQ CronScheduler): the same schedule,
each job run in this process when it is due. ``eduport serve`` starts one, in a process of its
own, when REDIS_URL is unset; with Redis, ``eduport worker`` runs RQ's scheduler instead."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger(__name__)


@dataclass
class _Entry:
    func: Callable[[], object]
    name: str
    interval: float
    due: float


class InlineCron:
    """Accepts ``register`` calls like RQ's ``CronScheduler``. A job runs when registered
    (catching up after a restart, as the relays should) and then every ``interval`` seconds;
    one that fails is logged and runs again at its next time."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._entries: list[_Entry] = []

    def register(self, func: Callable[[], object], queue_name: str, interval: int,
                 name: str) -> None:
        if interval <= 0:
            raise ValueError(f"the interval of {name} must be positive")
        self._entries.append(_Entry(func, name, float(interval), self._clock()))

    def run_pending(self) -> float:
        """Runs every job that is due; returns the seconds until the next one is."""
        for entry in self._entries:
            if self._clock() >= entry.due:
                try:
                    entry.func()
                except Exception:
                    log.exception("scheduled job %s failed; it runs again in %gs",
                                  entry.name, entry.interval)
                entry.due = self._clock() + entry.interval
        if not self._entries:
            return 60.0
        return max(0.0, min(entry.due for entry in self._entries) - self._clock())

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            stop.wait(self.run_pending())
