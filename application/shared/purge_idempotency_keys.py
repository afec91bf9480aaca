from __future__ import annotations

from datetime import timedelta

from application.shared.jobs import Job
from application.shared.ports import IdempotencyStore


class PurgeIdempotencyKeys:
    """Runs on the cron: stored answers (which hold client secrets) are kept a day, not forever."""

    def __init__(self, store: IdempotencyStore) -> None:
        self.store = store

    def __call__(self) -> int:
        return self.store.purge()


PURGE_IDEMPOTENCY_KEYS = Job("purge_idempotency_keys", PurgeIdempotencyKeys,
                             every=timedelta(hours=1))
