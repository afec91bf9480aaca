"""RQ job functions: thin, they take ids and resolve a use case from the process's injector.

The injector is installed once per process (``install``) by the worker command, or handed
over directly by the inline queue (``run_job``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from injector import Injector

from application.use_cases.process_outbox_message import ProcessOutboxMessage
from application.use_cases.relay_outbox import RelayOutbox

_injector: Injector | None = None


def install(injector: Injector) -> None:
    global _injector
    _injector = injector


def _container() -> Injector:
    if _injector is None:
        raise RuntimeError("the worker's injector is not installed; start it with `eduport worker`")
    return _injector


def _process_outbox_message(injector: Injector, message_id: str) -> None:
    injector.get(ProcessOutboxMessage)(message_id)


def _relay_outbox(injector: Injector) -> None:
    injector.get(RelayOutbox)()


JOBS: dict[str, Callable[..., Any]] = {
    "process_outbox_message": _process_outbox_message,
    "relay_outbox": _relay_outbox,
}


def run_job(injector: Injector, job: str, *args: str) -> object:
    """Runs a job in this process with the given injector (the inline queue's path)."""
    return JOBS[job](injector, *args)


# The functions RQ imports by name; each resolves the same job with the installed injector.
def process_outbox_message(message_id: str) -> None:
    run_job(_container(), "process_outbox_message", message_id)


def relay_outbox() -> None:
    run_job(_container(), "relay_outbox")
