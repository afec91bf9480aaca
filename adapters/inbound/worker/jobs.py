"""RQ job functions: thin, they take ids and resolve a use case from the process's injector.

The injector is installed once per process (``install``) by the worker command, or handed
over directly by the inline queue (``run_job``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from injector import Injector

from application.use_cases.process_outbox_message import ProcessOutboxMessage
from application.use_cases.process_webhook_event import ProcessWebhookEvent
from application.use_cases.relay_outbox import RelayOutbox
from application.use_cases.relay_webhooks import RelayWebhooks
from application.use_cases.sweep_payments import SweepPayments

_injector: Injector | None = None


def install(injector: Injector) -> None:
    global _injector
    _injector = injector


def warm_up(injector: Injector) -> None:
    """Builds what every job needs (adapters, SDK clients, the database pool) once, so the
    first job does not pay for it."""
    from sqlalchemy import Engine, text

    for use_case in (ProcessOutboxMessage, ProcessWebhookEvent, RelayOutbox, RelayWebhooks,
                     SweepPayments):
        injector.get(use_case)
    with injector.get(Engine).connect() as connection:
        connection.execute(text("SELECT 1"))


def _container() -> Injector:
    if _injector is None:
        raise RuntimeError("the worker's injector is not installed; start it with `eduport worker`")
    return _injector


def _process_outbox_message(injector: Injector, message_id: str) -> None:
    injector.get(ProcessOutboxMessage)(message_id)


def _relay_outbox(injector: Injector) -> None:
    injector.get(RelayOutbox)()


def _process_webhook_event(injector: Injector, delivery_id: str) -> None:
    injector.get(ProcessWebhookEvent)(delivery_id)


def _relay_webhooks(injector: Injector) -> None:
    injector.get(RelayWebhooks)()


def _sweep_payments(injector: Injector) -> None:
    injector.get(SweepPayments)()


JOBS: dict[str, Callable[..., Any]] = {
    "process_outbox_message": _process_outbox_message,
    "relay_outbox": _relay_outbox,
    "process_webhook_event": _process_webhook_event,
    "relay_webhooks": _relay_webhooks,
    "sweep_payments": _sweep_payments,
}


def run_job(injector: Injector, job: str, *args: str) -> object:
    """Runs a job in this process with the given injector (the inline queue's path)."""
    return JOBS[job](injector, *args)


# The functions RQ imports by name; each resolves the same job with the installed injector.
def process_outbox_message(message_id: str) -> None:
    run_job(_container(), "process_outbox_message", message_id)


def relay_outbox() -> None:
    run_job(_container(), "relay_outbox")


def process_webhook_event(delivery_id: str) -> None:
    run_job(_container(), "process_webhook_event", delivery_id)


def relay_webhooks() -> None:
    run_job(_container(), "relay_webhooks")


def sweep_payments() -> None:
    run_job(_container(), "sweep_payments")
