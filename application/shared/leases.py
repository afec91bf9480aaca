"""The one leased-processing mechanism behind the outbox and every webhook inbox.

A record (an outbox message, a webhook delivery) is claimed with a lease in its own short
transaction, worked on outside any transaction (the work may call vendors), then marked
processed. A failure records the error and when to try again (the backoff schedule, or the
service's own ``Retry-After`` when longer); after the last retry the record is given up and
waits for an operator. The relay queues every record that is due: never tried, abandoned by
a worker that died mid-work (its lease ran out), or failed and due for its retry. So retries
work the same with RQ and with the inline jobs of the embedded default.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Generic, TypeVar

from application.shared.config import LeasePolicy
from application.shared.errors import DeliveryFailed
from application.shared.ports import Clock, LeasedRecord, LeasedRecords, TaskQueue, UnitOfWork
from domain.shared.errors import DomainError

R = TypeVar("R", bound=LeasedRecord)
U = TypeVar("U", bound=UnitOfWork)
log = logging.getLogger(__name__)

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
    error: str | None = None  # how the work failed (then ``outcome`` is None)

    @property
    def skipped(self) -> bool:
        """Processed already, being processed elsewhere, or not due yet."""
        return self.record is None


class Leases:
    def __init__(self, clock: Clock, policy: LeasePolicy) -> None:
        self.clock, self.policy = clock, policy

    def process(self, uow: U, kind: LeasedKind[U, R], record_id: str, lease: timedelta,
                work: Callable[[R], str]) -> Processed[R]:
        """Runs ``work`` on the record once it is claimed. A failure is recorded with the
        time of the next try and returned, not raised: the relay retries, whoever ran
        this."""
        with uow:
            record = kind.records(uow).claim(record_id, self.clock.now(), lease)
            uow.commit()
        if record is None:
            return Processed(None, None)
        try:
            outcome = work(record)
        except Exception as error:
            reason, now = describe(error), self.clock.now()
            retry_at = self.policy.next_attempt(record.attempts, now, _retry_after(error))
            with uow:
                kind.records(uow).release(record_id, reason, now, retry_at)
                uow.commit()
            log.warning("%s %s failed (attempt %d): %s; %s", kind.job, record_id,
                        record.attempts, reason,
                        f"retry at {retry_at.isoformat()}" if retry_at else
                        "no retry left: given up until an operator replays it")
            return Processed(record, None, reason)
        with uow:
            kind.records(uow).mark_processed(record_id, self.clock.now(), outcome)
            uow.commit()
        return Processed(record, outcome)

    def relay(self, uow: U, kind: LeasedKind[U, R], queue: TaskQueue, grace: timedelta,
              limit: int = 500) -> list[str]:
        """Queues the job again for every record that is due: stranded (never tried, or
        abandoned) and older than ``grace``, or failed and due for its retry."""
        now = self.clock.now()
        with uow:
            stranded = kind.records(uow).due(now - grace, now, limit)
        for record_id in stranded:
            queue.enqueue(kind.job, record_id)
        return stranded


def _retry_after(error: BaseException) -> timedelta | None:
    hint = error.retry_after if isinstance(error, DeliveryFailed) else None
    return timedelta(seconds=hint) if hint is not None and hint > 0 else None
