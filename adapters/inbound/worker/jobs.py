"""RQ job functions: thin, they take ids and resolve a use case from the process's injector.

The injector is installed once per process (``install``) by the worker command, or handed
over directly by the inline queue (``run_job``).
"""

from __future__ import annotations

from typing import Any

from injector import Injector

from application.use_cases.process_outbox_message import PROCESS_OUTBOX_JOB, ProcessOutboxMessage
from application.use_cases.process_webhook_event import ProcessWebhookEvent
from application.use_cases.purge_idempotency_keys import (
    PURGE_IDEMPOTENCY_KEYS_JOB,
    PurgeIdempotencyKeys,
)
from application.use_cases.purge_processed_records import (
    PURGE_PROCESSED_RECORDS_JOB,
    PurgeProcessedRecords,
)
from application.use_cases.receive_webhook import PROCESS_WEBHOOK_JOB
from application.use_cases.relay_outbox import RELAY_OUTBOX_JOB, RelayOutbox
from application.use_cases.relay_webhooks import RELAY_WEBHOOKS_JOB, RelayWebhooks
from application.use_cases.sweep_payments import SWEEP_PAYMENTS_JOB, SweepPayments

# Each job is one use case called with the job's (id) arguments.
USE_CASES: dict[str, type[Any]] = {
    PROCESS_OUTBOX_JOB: ProcessOutboxMessage,
    RELAY_OUTBOX_JOB: RelayOutbox,
    PROCESS_WEBHOOK_JOB: ProcessWebhookEvent,
    RELAY_WEBHOOKS_JOB: RelayWebhooks,
    SWEEP_PAYMENTS_JOB: SweepPayments,
    PURGE_IDEMPOTENCY_KEYS_JOB: PurgeIdempotencyKeys,
    PURGE_PROCESSED_RECORDS_JOB: PurgeProcessedRecords,
}

_injector: Injector | None = None


def install(injector: Injector) -> None:
    global _injector
    _injector = injector


def warm_up(injector: Injector) -> None:
    """Builds what every job needs (adapters, SDK clients, the database pool) once, so the
    first job does not pay for it."""
    from sqlalchemy import Engine, text

    for use_case in USE_CASES.values():
        injector.get(use_case)
    with injector.get(Engine).connect() as connection:
        connection.execute(text("SELECT 1"))


def run_job(injector: Injector, job: str, *args: str) -> object:
    """Runs a job in this process with the given injector (the inline queue's path)."""
    return injector.get(USE_CASES[job])(*args)


def _run(job: str, *args: str) -> None:
    if _injector is None:
        raise RuntimeError("the worker's injector is not installed; start it with `eduport worker`")
    run_job(_injector, job, *args)


# The functions RQ imports by name (``adapters.inbound.worker.jobs.<job>``).
def process_outbox_message(message_id: str) -> None:
    _run(PROCESS_OUTBOX_JOB, message_id)


def relay_outbox() -> None:
    _run(RELAY_OUTBOX_JOB)


def process_webhook_event(delivery_id: str) -> None:
    _run(PROCESS_WEBHOOK_JOB, delivery_id)


def relay_webhooks() -> None:
    _run(RELAY_WEBHOOKS_JOB)


def sweep_payments() -> None:
    _run(SWEEP_PAYMENTS_JOB)


def purge_idempotency_keys() -> None:
    _run(PURGE_IDEMPOTENCY_KEYS_JOB)


def purge_processed_records() -> None:
    _run(PURGE_PROCESSED_RECORDS_JOB)
