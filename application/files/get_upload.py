from __future__ import annotations

from dataclasses import dataclass

from application.files.config import FilesPolicy
from application.files.file_views import UploadView, describe_upload, link_to, uploaders_file
from application.files.ports import FileStorage, FilesUnitOfWork
from application.shared.ports import Clock, Principal
from domain.files.model import FileStatus


@dataclass(frozen=True)
class GetUploadQuery:
    actor: Principal
    upload_id: str


class GetUpload:
    """The uploader's view of an upload, with a fresh download link once it is checked."""

    def __init__(self, uow: FilesUnitOfWork, storage: FileStorage, policy: FilesPolicy,
                 clock: Clock) -> None:
        self.uow, self.storage, self.policy, self.clock = uow, storage, policy, clock

    def __call__(self, query: GetUploadQuery) -> UploadView:
        with self.uow:
            file = uploaders_file(self.uow, query.actor, query.upload_id)
        usable = file.status in (FileStatus.READY, FileStatus.ATTACHED)
        return describe_upload(file, download=link_to(self.storage, self.policy, file,
                                                      self.clock.now()) if usable else None)
