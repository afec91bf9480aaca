from __future__ import annotations

import secrets
from dataclasses import dataclass

from application.files.config import FilesPolicy
from application.files.file_views import UploadView, describe_upload
from application.files.ports import FileStorage, FilesUnitOfWork
from application.files.upload_rights import upload_owner
from application.shared.ports import Clock, IdGenerator, Principal
from domain.files.model import RULES, FileStatus, StoredFile, clean_filename, key_for
from domain.shared.files import FilePurpose


@dataclass(frozen=True)
class RequestUploadCommand:
    actor: Principal
    purpose: FilePurpose
    subject_id: str  # the course, the institution, or the student themselves for a CV
    content_type: str
    size: int  # bytes
    filename: str | None = None  # the name a download is saved under; never the key


class RequestUpload:
    """A presigned PUT for one file, after checking the purpose's types, size and who may
    upload for the subject. The key is the purpose's prefix and a random id."""

    def __init__(self, uow: FilesUnitOfWork, storage: FileStorage, policy: FilesPolicy,
                 clock: Clock, ids: IdGenerator) -> None:
        self.uow, self.storage, self.policy, self.clock, self.ids = uow, storage, policy, clock, ids

    def __call__(self, cmd: RequestUploadCommand) -> UploadView:
        RULES[cmd.purpose].check(cmd.content_type, cmd.size)
        now = self.clock.now()
        with self.uow:
            owner_kind, owner_id = upload_owner(self.uow, cmd.actor, cmd.purpose, cmd.subject_id)
            file = StoredFile(self.ids.new_id(), cmd.purpose, owner_kind, owner_id,
                              cmd.actor.user_id, cmd.subject_id,
                              key_for(cmd.purpose, secrets.token_hex(16)), cmd.content_type,
                              cmd.size, clean_filename(cmd.filename), FileStatus.PENDING, now,
                              now + self.policy.upload_window)
            self.uow.files.add(file)
            self.uow.commit()
        ticket = self.storage.upload_url(file.key, file.content_type, file.size,
                                         self.policy.upload_window)
        return describe_upload(file, upload=ticket)
