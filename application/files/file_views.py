"""How a file is shown to the person who uploaded it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from application.files.config import FilesPolicy
from application.files.ports import FileStorage, FilesUnitOfWork, UploadTicket
from application.files.published import FileLink
from application.shared.ports import Principal
from domain.files.model import Disposition, FileStatus, StoredFile
from domain.shared.errors import NotFound
from domain.shared.roles import Role


@dataclass(frozen=True)
class UploadView:
    id: str
    purpose: str
    subject_id: str
    status: FileStatus
    content_type: str
    size: int  # bytes
    filename: str | None
    created_at: datetime
    upload: UploadTicket | None = None  # while the upload is pending and just requested
    download: FileLink | None = None  # once completed


def signed_link(storage: FileStorage, key: str, lifetime: timedelta, now: datetime,
                filename: str | None = None, inline: bool = True) -> FileLink:
    return FileLink(storage.download_url(key, lifetime, filename, inline=inline),
                    now + lifetime)


def link_to(storage: FileStorage, policy: FilesPolicy, file: StoredFile,
            now: datetime) -> FileLink:
    """A download link for the file, with its purpose's lifetime and disposition."""
    return signed_link(storage, file.key, policy.lifetime(file.purpose), now, file.filename,
                       inline=file.rule.disposition == Disposition.INLINE)


def describe_upload(file: StoredFile, upload: UploadTicket | None = None,
                    download: FileLink | None = None) -> UploadView:
    return UploadView(file.id, file.purpose.value, file.subject_id, file.status,
                      file.content_type, file.size, file.filename, file.created_at, upload,
                      download)


def uploaders_file(uow: FilesUnitOfWork, actor: Principal, upload_id: str) -> StoredFile:
    """The upload, for the one who made it (or an administrator); unknown to anyone else."""
    file = uow.files.get(upload_id)
    if file is None or (file.uploader_id != actor.user_id and actor.role != Role.PLATFORM_ADMIN):
        raise NotFound("no such upload")
    return file
