"""``CvFiles``: a student's CV uploads as the career area reads and sends them."""

from __future__ import annotations

from datetime import timedelta

from application.files.file_views import signed_link
from application.files.ports import FileStorage, FilesUnitOfWork
from application.files.published import CvFile, FileLink
from application.shared.ports import Clock
from domain.files.model import FileStatus
from domain.shared.errors import InvalidState, InvalidValue, NotFound
from domain.shared.files import FilePurpose


class StoredCvFiles:
    def __init__(self, uow: FilesUnitOfWork, storage: FileStorage, clock: Clock) -> None:
        self.uow, self.storage, self.clock = uow, storage, clock

    def keep(self, upload_id: str, student_id: str) -> CvFile:
        with self.uow:
            file = self.uow.files.get(upload_id)
            if file is None or file.uploader_id != student_id:
                raise NotFound("no such upload")
            if file.purpose != FilePurpose.CV:
                raise InvalidValue(f"this upload is a {file.purpose.value}, not a cv",
                                   "cv_upload_id")
            if file.status == FileStatus.READY:
                file.attach(FilePurpose.CV, student_id, student_id)
                self.uow.commit()
            elif file.status != FileStatus.ATTACHED:
                raise InvalidState("complete the upload before using it"
                                   if file.status == FileStatus.PENDING
                                   else f"this upload is {file.status.value}")
            return CvFile(file.id, file.key, file.content_type, file.size)

    def read(self, cv: CvFile) -> bytes:
        try:
            return self.storage.read_head(cv.key, cv.size)
        except LookupError:
            raise NotFound("the CV's file is gone") from None

    def link(self, file_id: str, lifetime_seconds: int) -> FileLink | None:
        with self.uow.reading():
            file = self.uow.files.get(file_id)
        if file is None or file.status != FileStatus.ATTACHED:
            return None
        return signed_link(self.storage, file.key, timedelta(seconds=lifetime_seconds),
                           self.clock.now(), file.filename or "cv", inline=False)
