from __future__ import annotations

from application.ports import IdempotencyStore

PURGE_IDEMPOTENCY_KEYS_JOB = "purge_idempotency_keys"


class PurgeIdempotencyKeys:
    """Runs on the cron: stored answers (which hold client secrets) are kept a day, not forever."""

    def __init__(self, store: IdempotencyStore) -> None:
        self.store = store

    def __call__(self) -> int:
        return self.store.purge()
