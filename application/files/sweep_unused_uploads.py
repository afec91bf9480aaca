from __future__ import annotations

from datetime import timedelta

from application.files.config import FilesPolicy
from application.files.ports import FileStorage, FilesUnitOfWork
from application.shared.jobs import Job
from application.shared.ports import Clock

BATCH = 200


class SweepUnusedUploads:
    """Runs on the cron: uploads never completed, or completed and never used, for a day
    are discarded (their bytes leave the store through the outbox). A discarded file's bytes
    are deleted once more after its upload link expired: a PUT on that link in between
    would otherwise leave bytes nothing knows of."""

    def __init__(self, uow: FilesUnitOfWork, storage: FileStorage, policy: FilesPolicy,
                 clock: Clock) -> None:
        self.uow, self.storage, self.policy, self.clock = uow, storage, policy, clock

    def __call__(self) -> int:
        now = self.clock.now()
        cutoff = now - self.policy.keep_unused
        with self.uow:
            files = self.uow.files.abandoned(cutoff, cutoff, BATCH)
            for file in files:
                file.discard(now)
            gone = [(file.id, file.key) for file in self.uow.files.unremoved(now, BATCH)]
            self.uow.commit()
        # The store is called outside any transaction, so no lock waits on it; should a
        # delete fail, nothing is marked and the next sweep deletes again (idempotent).
        for _, key in gone:
            self.storage.delete(key)
        with self.uow:
            for file_id, _ in gone:
                found = self.uow.files.get(file_id)
                if found is not None and found.is_gone_for_good(now):
                    found.mark_removed(now)
            self.uow.commit()
        return len(files)


SWEEP_UNUSED_UPLOADS = Job("sweep_unused_uploads", SweepUnusedUploads, every=timedelta(hours=1))
