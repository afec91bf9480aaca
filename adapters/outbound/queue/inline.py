"""The embedded default task queue: runs each job in process, right away, or, inside an
HTTP request, once the answer has been sent (``deferred``): the work an answer does not
depend on (emails, real-time events) neither slows it down nor shows in its timing, so a
password reset for a known address answers in the time of one for an unknown one."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator
from contextvars import ContextVar

log = logging.getLogger(__name__)

JobRunner = Callable[..., object]
Deferred = list[tuple[str, tuple[str, ...]]]
_deferred: ContextVar[Deferred | None] = ContextVar("eduport_inline_deferred", default=None)


class InlineTaskQueue:
    def __init__(self, run_job: JobRunner) -> None:
        self._run_job = run_job

    def enqueue(self, job: str, *args: str) -> None:
        waiting = _deferred.get()
        if waiting is not None:
            waiting.append((job, args))
            return
        self._run(job, args)

    def run_all(self, jobs: Deferred) -> None:
        """Runs jobs held back by ``deferred``, in the order they were queued (a job may
        queue more: they run at once, no request holds them any longer)."""
        for job, args in jobs:
            self._run(job, args)

    def _run(self, job: str, args: tuple[str, ...]) -> None:
        try:
            self._run_job(job, *args)
        except Exception as error:
            # The caller's transaction is already committed. A job's own failures are
            # recorded on its row with their retry; this is one that could not even record
            # (the database went away): the relay on the inline cron (`eduport serve`) or
            # `eduport outbox relay` finds the row untried or abandoned and queues it again.
            log.error("inline job %s failed: %s", job, type(error).__name__)


@contextlib.contextmanager
def deferred() -> Iterator[Deferred]:
    """Holds the jobs queued inside the block in the list it yields, for the caller to run
    later (``InlineTaskQueue.run_all``)."""
    jobs: Deferred = []
    token = _deferred.set(jobs)
    try:
        yield jobs
    finally:
        _deferred.reset(token)
