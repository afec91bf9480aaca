"""The processes around the worker and the server: crons that never outlive their parent.

With Redis, ``eduport worker`` runs RQ's CronScheduler in a child (``start_cron``); without it,
``eduport serve`` forks an ``InlineCron`` (``start_inline_cron``). Either way the child stops
when the command that started it is gone, even if that command was killed outright.
"""

from __future__ import annotations

import logging
import multiprocessing
import multiprocessing.util
import time
from collections.abc import Callable

from injector import Injector

from adapters.settings import Settings


def start_cron(settings: Settings) -> multiprocessing.Process:
    """RQ's CronScheduler with eduport's schedule, in a child process."""
    process = multiprocessing.get_context("fork").Process(
        target=_run_cron, args=(settings,), name="eduport-cron", daemon=True)
    process.start()
    return process


def _run_cron(settings: Settings) -> None:
    from redis import Redis
    from rq.cron import CronScheduler

    from adapters.inbound.worker.schedule import register_schedule

    if settings.redis_url is None:
        raise RuntimeError("the RQ cron needs REDIS_URL")
    scheduler = CronScheduler(connection=Redis.from_url(settings.redis_url))
    register_schedule(scheduler, settings)
    scheduler.start()


class _Anchor:
    """Keeps the after-fork registration alive (multiprocessing holds it weakly)."""


_WORKER_CHILDREN = _Anchor()


def stop_children_when_orphaned() -> None:
    """Every multiprocessing child forked from now on (our cron, RQ's own scheduler) stops on
    SIGTERM, their clean shutdown, once this process is gone, even killed outright."""
    multiprocessing.util.register_after_fork(_WORKER_CHILDREN, _stop_when_orphaned)


def _stop_when_orphaned(_anchor: object) -> None:
    import os
    import signal

    _follow_parent(lambda: os.kill(os.getpid(), signal.SIGTERM))


def _follow_parent(orphaned: Callable[[], object]) -> None:
    """Calls ``orphaned`` once this process's parent is gone, even killed outright (SIGKILL
    runs none of its handlers), so that a cron never outlives the command that started it."""
    import os
    import threading

    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        orphaned()

    threading.Thread(target=watch, name="eduport-follow-parent", daemon=True).start()


def start_inline_cron(build_injector: Callable[[Settings], Injector], settings: Settings) -> int:
    """Forks the cron. A plain fork, not ``multiprocessing``: gunicorn's workers are forked
    from this process too, and multiprocessing's exit hook in each would try to join a
    process that is not its child (a traceback on every worker exit)."""
    import os

    pid = os.fork()
    if pid == 0:  # the cron
        code = 0
        try:
            _run_inline_cron(build_injector, settings)
        except BaseException:
            logging.getLogger("eduport.cron").exception("the inline cron stopped")
            code = 1
        finally:
            os._exit(code)  # never return into the parent's code (gunicorn, atexit hooks)
    return pid


def _run_inline_cron(build_injector: Callable[[Settings], Injector], settings: Settings) -> None:
    import signal
    import threading

    from adapters.inbound.worker import jobs
    from adapters.inbound.worker.inline_cron import InlineCron
    from adapters.inbound.worker.schedule import register_schedule

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())  # Ctrl-C reaches the group: go quietly
    _follow_parent(stop.set)
    jobs.install(build_injector(settings))
    cron = InlineCron()
    register_schedule(cron, settings)
    cron.run(stop)
