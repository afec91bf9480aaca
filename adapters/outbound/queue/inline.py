"""The embedded default task queue: runs each job in process, right away."""

from __future__ import annotations

import logging
from collections.abc import Callable

log = logging.getLogger(__name__)

JobRunner = Callable[..., object]


class InlineTaskQueue:
    def __init__(self, run_job: JobRunner) -> None:
        self._run_job = run_job

    def enqueue(self, job: str, *args: str) -> None:
        try:
            self._run_job(job, *args)
        except Exception:
            # The caller's transaction is already committed; the failure stays visible on the
            # outbox row and in the log, and the relay on the inline cron (`eduport serve`)
            # or `eduport outbox relay` retries it.
            log.exception("inline job %s failed", job)
