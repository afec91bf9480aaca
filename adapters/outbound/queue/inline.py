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
        except Exception as error:
            # The caller's transaction is already committed. A job's own failures are
            # recorded on its row with their retry; this is one that could not even record
            # (the database went away): the relay on the inline cron (`eduport serve`) or
            # `eduport outbox relay` finds the row untried or abandoned and queues it again.
            log.error("inline job %s failed: %s", job, type(error).__name__)
