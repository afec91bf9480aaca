"""Files: what a person uploads for a purpose (a course's thumbnail, a CV, a lesson's
video source), checked on the server before anything may use it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from domain.files.events import FileDiscarded
from domain.shared.errors import Conflict, InvalidState, InvalidValue, NotFound
from domain.shared.files import FilePurpose
from domain.shared.model import Aggregate

# A key is a purpose's prefix and a random id: never a client's file name, so no key can
# climb out of its folder or collide with another.
_KEY = re.compile(r"^[a-z][a-z0-9-]{0,39}/[0-9a-f]{32}$")
MiB = 1024 * 1024


def check_key(key: str) -> str:
    if not _KEY.fullmatch(key):
        raise InvalidValue("a file key is '<prefix>/<32 hex digits>'")
    return key


class FileStatus(StrEnum):
    PENDING = "pending"  # the upload URL is out; the bytes are not checked yet
    READY = "ready"  # checked in the store; may be attached
    ATTACHED = "attached"  # in use by its subject
    REJECTED = "rejected"  # not what it claimed at completion; removed
    DISCARDED = "discarded"  # replaced, removed or abandoned; removed


class OwnerKind(StrEnum):
    """Whose storage a file counts against."""

    USER = "user"
    INSTITUTION = "institution"


class Disposition(StrEnum):
    INLINE = "inline"  # shown in the page: images, video
    ATTACHMENT = "attachment"  # saved: documents


@dataclass(frozen=True)
class PurposeRule:
    """What may be uploaded for a purpose. ``types`` are the declared content types allowed;
    the first bytes must then show that very format (text types: UTF-8 without NULs)."""

    prefix: str
    types: frozenset[str]
    max_bytes: int
    disposition: Disposition
    owner_kind: OwnerKind

    def check(self, content_type: str, size: int) -> None:
        if content_type not in self.types:
            raise InvalidValue(f"{content_type!r} is not allowed here; allowed: "
                               f"{', '.join(sorted(self.types))}")
        if not 1 <= size <= self.max_bytes:
            raise InvalidValue(f"the size must be 1 to {self.max_bytes} bytes")


_IMAGES = frozenset({"image/png", "image/jpeg", "image/webp"})
_PDF = "application/pdf"
_DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TEXT_TYPES = frozenset({"text/csv", "text/plain"})

RULES: dict[FilePurpose, PurposeRule] = {
    FilePurpose.COURSE_THUMBNAIL: PurposeRule(
        "thumbnails", _IMAGES, 5 * MiB, Disposition.INLINE, OwnerKind.USER),
    FilePurpose.LESSON_ATTACHMENT: PurposeRule(
        "attachments", _IMAGES | {_PDF, "application/zip", "text/plain"}, 100 * MiB,
        Disposition.ATTACHMENT, OwnerKind.USER),
    FilePurpose.LESSON_VIDEO: PurposeRule(
        # One presigned PUT carries at most 5 GB on S3; 4 GiB stays clear of it.
        "videos", frozenset({"video/mp4", "video/webm", "video/quicktime"}), 4096 * MiB,
        Disposition.INLINE, OwnerKind.USER),
    FilePurpose.INSTITUTION_LOGO: PurposeRule(
        # No SVG: a script inside one would run on our download URLs' origin.
        "logos", _IMAGES, 2 * MiB, Disposition.INLINE, OwnerKind.INSTITUTION),
    FilePurpose.CV: PurposeRule(
        "cvs", frozenset({_PDF, _DOCX}), 10 * MiB, Disposition.ATTACHMENT, OwnerKind.USER),
    FilePurpose.REPORT: PurposeRule(
        "reports", frozenset({_PDF, _XLSX, "text/csv"}), 50 * MiB, Disposition.ATTACHMENT,
        OwnerKind.INSTITUTION),
}


def is_format(declared: str, sniffed: str | None, head: bytes) -> bool:
    """Whether the first bytes are the declared format: a binary format must be recognised
    as exactly that type; a text one must not be a binary format and must read as UTF-8
    (a character cut at the end of the head is allowed)."""
    if declared in TEXT_TYPES:
        if sniffed is not None or b"\x00" in head:
            return False
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as error:
            return error.start >= len(head) - 3 and error.reason == "unexpected end of data"
        return True
    return sniffed == declared


@dataclass(eq=False)
class StoredFile(Aggregate):
    id: str
    purpose: FilePurpose
    owner_kind: OwnerKind
    owner_id: str
    uploader_id: str
    subject_id: str  # what the file is for: a course, an institution, the uploader
    key: str
    content_type: str
    size: int  # bytes, as declared; the store must hold exactly that many
    filename: str | None
    status: FileStatus
    created_at: datetime
    expires_at: datetime  # when the upload URL stops working
    completed_at: datetime | None = None
    # When the bytes of a discarded file were deleted for good: after its upload link had
    # expired, so that link cannot bring them back.
    removed_at: datetime | None = None
    version: int = 1

    @property
    def rule(self) -> PurposeRule:
        return RULES[self.purpose]

    def complete(self, now: datetime, found_size: int | None, found_type: str | None,
                 sniffed: str | None, head: bytes) -> None:
        """Checks what the store holds against what was declared. Nothing there yet leaves
        the upload pending (it may still be on its way); anything else amiss refuses it for
        good and removes the bytes."""
        if self.status in (FileStatus.READY, FileStatus.ATTACHED):
            return
        if self.status != FileStatus.PENDING:
            raise InvalidState(f"this upload is {self.status.value}")
        if found_size is None:
            raise InvalidState("nothing has been uploaded yet: PUT the file to the upload "
                               "URL first")
        problem = self._mismatch(found_size, found_type, sniffed, head)
        if problem is not None:
            self._discard(now, FileStatus.REJECTED)
            raise InvalidValue(problem)
        self.status, self.completed_at = FileStatus.READY, now
        self._changed()

    def _mismatch(self, found_size: int, found_type: str | None, sniffed: str | None,
                  head: bytes) -> str | None:
        if found_size != self.size:
            return f"the stored file has {found_size} bytes, not the {self.size} declared"
        if found_type is not None and found_type != self.content_type:
            return f"the file was stored as {found_type!r}, not {self.content_type!r}"
        if not is_format(self.content_type, sniffed, head):
            return f"the file is not {self.content_type!r}: its content says otherwise"
        return None

    def attach(self, purpose: FilePurpose, uploader_id: str, subject_id: str) -> None:
        """Puts a completed upload to use. Someone else's upload is unknown to the caller."""
        if uploader_id != self.uploader_id:
            raise NotFound("no such upload")
        if purpose != self.purpose or subject_id != self.subject_id:
            raise InvalidValue(f"this upload was made as a {self.purpose.value} for another "
                               "subject" if purpose == self.purpose else
                               f"this upload is a {self.purpose.value}, not a {purpose.value}")
        if self.status == FileStatus.ATTACHED:
            raise Conflict("this upload is already in use")
        if self.status != FileStatus.READY:
            raise InvalidState("complete the upload before using it"
                               if self.status == FileStatus.PENDING
                               else f"this upload is {self.status.value}")
        self.status = FileStatus.ATTACHED
        self._changed()

    def discard(self, now: datetime) -> None:
        """No longer used (replaced, removed, never completed): idempotent."""
        if self.status not in (FileStatus.REJECTED, FileStatus.DISCARDED):
            self._discard(now, FileStatus.DISCARDED)

    def is_abandoned(self, now: datetime, keep: timedelta) -> bool:
        """Never completed, or completed and never used, for longer than ``keep``."""
        since = self.completed_at or self.created_at
        return self.status in (FileStatus.PENDING, FileStatus.READY) and since <= now - keep

    def is_gone_for_good(self, now: datetime) -> bool:
        """Discarded or rejected, and its upload link has expired: deleting its bytes now is
        the last time they need deleting."""
        return self.status in (FileStatus.REJECTED, FileStatus.DISCARDED) \
            and self.removed_at is None and self.expires_at <= now

    def mark_removed(self, now: datetime) -> None:
        if not self.is_gone_for_good(now):
            raise InvalidState("only a discarded file whose upload link expired is removed")
        self.removed_at = now
        self._changed()

    def _discard(self, now: datetime, status: FileStatus) -> None:
        self.status = status
        self._changed()
        self.events.append(FileDiscarded(file_id=self.id, key=self.key))

    def _changed(self) -> None:
        self.version += 1


def key_for(purpose: FilePurpose, random_hex: str) -> str:
    return check_key(f"{RULES[purpose].prefix}/{random_hex}")


def clean_filename(name: str | None) -> str | None:
    """The name a download is saved under: the client's last path segment, without control
    characters, at most 120 characters; never part of the key."""
    if name is None:
        return None
    base = re.split(r"[\\/]", name)[-1]
    cleaned = "".join(ch for ch in base if ch.isprintable() and ch not in '"')
    return cleaned.strip()[:120].strip() or None
