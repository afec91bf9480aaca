"""Expired exports leave the database: a document is a copy of a person's data, kept no
longer than its owner may download it."""

from __future__ import annotations

from datetime import timedelta

from application.accounts.personal_data import PrivacyUnitOfWork
from application.shared.jobs import Job
from application.shared.ports import Clock

BATCH = 500  # exports per transaction: a backlog never holds long locks


class PurgeDataExports:
    def __init__(self, uow: PrivacyUnitOfWork, clock: Clock) -> None:
        self.uow, self.clock = uow, clock

    def __call__(self) -> int:
        purged = 0
        while True:
            with self.uow:
                done = self.uow.exports.purge_expired(self.clock.now(), BATCH)
                self.uow.commit()
            purged += done
            if done < BATCH:
                return purged


PURGE_DATA_EXPORTS = Job("purge_data_exports", PurgeDataExports, every=timedelta(hours=1))
