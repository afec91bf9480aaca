from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from application.shared.config import RetentionPolicy
from application.shared.jobs import Job
from application.shared.ports import Clock, KernelUnitOfWork


@dataclass(frozen=True)
class PurgeResult:
    outbox_messages: int
    webhook_deliveries: int


class PurgeProcessedRecords:
    """Runs on the cron: processed outbox messages and webhook deliveries are kept for their
    retention period, then deleted in batches of one transaction each. Unprocessed and failed
    records are never deleted: they are still work, or evidence of a failure."""

    def __init__(self, uow: KernelUnitOfWork, clock: Clock, retention: RetentionPolicy) -> None:
        self.uow, self.clock, self.retention = uow, clock, retention

    def __call__(self) -> PurgeResult:
        now, keep, batch = self.clock.now(), self.retention, self.retention.batch
        return PurgeResult(
            outbox_messages=self._drain(
                lambda: self.uow.outbox.purge_processed(now - keep.outbox, batch)),
            webhook_deliveries=self._drain(
                lambda: self.uow.webhooks.purge_processed(now - keep.webhooks, batch)))

    def _drain(self, purge_batch: Callable[[], int]) -> int:
        total = 0
        while True:
            with self.uow:
                removed = purge_batch()
                self.uow.commit()
            total += removed
            if removed < self.retention.batch:
                return total


PURGE_PROCESSED_RECORDS = Job("purge_processed_records", PurgeProcessedRecords,
                              every=timedelta(hours=1))
