from __future__ import annotations

from dataclasses import dataclass

from application.files.config import FilesPolicy
from application.files.file_views import UploadView, describe_upload, link_to, uploaders_file
from application.files.ports import FileStorage, FilesUnitOfWork, FormatSniffer
from application.shared.ports import Clock, Principal

# Enough for every signature filetype knows (an MP4's ftyp box, a DOCX's first entries).
HEAD_BYTES = 8192


@dataclass(frozen=True)
class CompleteUploadCommand:
    actor: Principal
    upload_id: str


class CompleteUpload:
    """Checks that the store really holds the declared file: there, of the declared size and
    type, and its first bytes of that format. Whatever the store let through, only a file
    that passes may be used; one that fails is refused for good and its bytes removed."""

    def __init__(self, uow: FilesUnitOfWork, storage: FileStorage, sniffer: FormatSniffer,
                 policy: FilesPolicy, clock: Clock) -> None:
        self.uow, self.storage, self.sniffer = uow, storage, sniffer
        self.policy, self.clock = policy, clock

    def __call__(self, cmd: CompleteUploadCommand) -> UploadView:
        with self.uow:
            key = uploaders_file(self.uow, cmd.actor, cmd.upload_id).key
        # Read from the store between two transactions: no lock waits on the store.
        found = self.storage.stat(key)
        head = self.storage.read_head(key, HEAD_BYTES) if found else b""
        with self.uow:
            file = uploaders_file(self.uow, cmd.actor, cmd.upload_id)
            try:
                file.complete(self.clock.now(), found.size if found else None,
                              found.content_type if found else None, self.sniffer.sniff(head),
                              head)
            finally:
                self.uow.commit()  # a refusal is kept, and its bytes leave the store
        return describe_upload(file, download=link_to(self.storage, self.policy, file,
                                                      self.clock.now()))
