"""The one leased-processing mechanism behind the outbox and every webhook inbox.

A record (an outbox message, a webhook delivery) is claimed with a lease in its own short
transaction, worked on outside any transaction (the work may call vendors), then marked
processed; a failure records the error and releases the lease so a retry can claim it. A
worker that dies mid-work simply lets the lease run out, and the relay queues what was left.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Generic, TypeVar

from application.shared.ports import Clock, LeasedRecords, TaskQueue, UnitOfWork
from domain.shared.errors import DomainError

R = TypeVar("R")
U = TypeVar("U", bound=UnitOfWork)

MAX_ERROR_LENGTH = 500
_STEP = "eduport step: "


@contextmanager
def step(name: str) -> Iterator[None]:
    """Names the part of the work that failed (an outbox handler) in the recorded error."""
    try:
        yield
    except Exception as error:
        error.add_note(f"{_STEP}{name}")
        raise


def describe(error: BaseException) -> str:
    """How a failure is recorded, the same for every kind of record: the step that failed,
    the error's type, and the message of our own errors (written for operators). A foreign
    exception's message may carry anything (addresses, URLs with credentials), so only its
    type is kept."""
    text = type(error).__name__
    if isinstance(error, DomainError):
        text = f"{text}: {error.message}"
    steps = [note[len(_STEP):] for note in getattr(error, "__notes__", ())
             if note.startswith(_STEP)]
    if steps:
        text = f"{steps[-1]}: {text}"
    return text[:MAX_ERROR_LENGTH]


@dataclass(frozen=True)
class LeasedKind(Generic[U, R]):
    """One kind of leased record: where its rows are and the job that processes one."""

    job: str
    records: Callable[[U], LeasedRecords[R]]


@dataclass(frozen=True)
class Processed(Generic[R]):
    record: R | None
    outcome: str | None

    @property
    def skipped(self) -> bool:
        """Processed already, or being processed elsewhere."""
        return self.record is None


class Leases:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    def process(self, uow: U, kind: LeasedKind[U, R], record_id: str, lease: timedelta,
                work: Callable[[R], str]) -> Processed[R]:
        """Runs ``work`` on the record once it is claimed; re-raises its failure after
        recording it, so the job runner retries."""
        with uow:
            record = kind.records(uow).claim(record_id, self.clock.now(), lease)
            uow.commit()
        if record is None:
            return Processed(None, None)
        try:
            outcome = work(record)
        except Exception as error:
            with uow:
                kind.records(uow).release(record_id, describe(error))
                uow.commit()
            raise
        with uow:
            kind.records(uow).mark_processed(record_id, self.clock.now(), outcome)
            uow.commit()
        return Processed(record, outcome)

    def relay(self, uow: U, kind: LeasedKind[U, R], queue: TaskQueue, grace: timedelta,
              limit: int = 500) -> list[str]:
        """Queues the job again for every stranded record older than ``grace``."""
        now = self.clock.now()
        with uow:
            stranded = kind.records(uow).stranded(now - grace, now, limit)
        for record_id in stranded:
            queue.enqueue(kind.job, record_id)
        return stranded
