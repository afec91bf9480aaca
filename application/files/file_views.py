"""How a file is shown to the person who uploaded it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from application.files.config import FilesPolicy
from application.files.ports import FileStorage, FilesUnitOfWork, UploadTicket
from application.shared.ports import Principal
from domain.files.model import Disposition, FileStatus, StoredFile
from domain.shared.errors import NotFound
from domain.shared.roles import Role


@dataclass(frozen=True)
class SignedLink:
    url: str
    expires_at: datetime


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
    download: SignedLink | None = None  # once completed


def link_to(storage: FileStorage, policy: FilesPolicy, file: StoredFile, now: datetime,
            extra: timedelta = timedelta(0)) -> SignedLink:
    lifetime = policy.lifetime(file.purpose) + extra
    url = storage.download_url(file.key, lifetime, file.filename,
                               inline=file.rule.disposition == Disposition.INLINE)
    return SignedLink(url, now + lifetime)


def describe_upload(file: StoredFile, upload: UploadTicket | None = None,
                    download: SignedLink | None = None) -> UploadView:
    return UploadView(file.id, file.purpose.value, file.subject_id, file.status,
                      file.content_type, file.size, file.filename, file.created_at, upload,
                      download)


def uploaders_file(uow: FilesUnitOfWork, actor: Principal, upload_id: str) -> StoredFile:
    """The upload, for the one who made it (or an administrator); unknown to anyone else."""
    file = uow.files.get(upload_id)
    if file is None or (file.uploader_id != actor.user_id and actor.role != Role.PLATFORM_ADMIN):
        raise NotFound("no such upload")
    return file
