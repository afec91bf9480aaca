from __future__ import annotations

from application.files.ports import FileStorage
from domain.files.events import FileDiscarded


class RemoveDiscardedFile:
    """After the commit that discarded a file, its bytes leave the store (idempotent: a
    retry deletes nothing twice)."""

    def __init__(self, storage: FileStorage) -> None:
        self.storage = storage

    def __call__(self, event: FileDiscarded, idempotency_key: str) -> None:
        self.storage.delete(event.key)
