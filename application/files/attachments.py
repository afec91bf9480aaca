"""``FileAttachments`` over the files' records, in whatever transaction holds them."""

from __future__ import annotations

from datetime import datetime

from application.files.ports import FileRepository
from application.files.published import AttachedFile
from domain.shared.errors import NotFound
from domain.shared.files import FilePurpose


class RecordedFileAttachments:
    def __init__(self, files: FileRepository) -> None:
        self.files = files

    def attach(self, upload_id: str, purpose: FilePurpose, uploader_id: str,
               subject_id: str) -> AttachedFile:
        file = self.files.get(upload_id)
        if file is None:
            raise NotFound("no such upload")
        file.attach(purpose, uploader_id, subject_id)
        return AttachedFile(file.key, file.content_type, file.size)

    def discard(self, key: str, now: datetime) -> None:
        file = self.files.by_key(key)
        if file is not None:
            file.discard(now)
