"""The files area's published interface: how another area puts an upload to use, links to
it, and plays a lesson's video.

``FileAttachments`` runs in the caller's own transaction (its unit of work exposes
``files``): a course and its new thumbnail change together or not at all, and the bytes of a
replaced file leave the store only after that commit, through the outbox."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from domain.shared.files import FilePurpose, VideoKind


@dataclass(frozen=True)
class AttachedFile:
    key: str
    content_type: str
    size: int  # bytes


class FileAttachments(Protocol):
    def attach(self, upload_id: str, purpose: FilePurpose, uploader_id: str,
               subject_id: str) -> AttachedFile:
        """Marks a completed upload as in use by ``subject_id``. Raises ``NotFound`` for an
        unknown upload or someone else's, ``InvalidValue`` when it was made for another
        purpose or subject, ``InvalidState`` when it is not completed, ``Conflict`` when it
        is already in use."""

    def discard(self, key: str, now: datetime) -> None:
        """The file at ``key`` is no longer used: its record is closed and, after the
        caller's commit, its bytes are deleted. Idempotent; an unknown key is ignored."""


@dataclass(frozen=True)
class FileLink:
    url: str
    expires_at: datetime


class FileLinks(Protocol):
    def public_link(self, key: str) -> FileLink:
        """A link for a file anyone may see (a published course's thumbnail), valid long
        enough to outlive the page cache that may hold the page it is on. Signed locally."""


@dataclass(frozen=True)
class LessonVideo:
    kind: VideoKind
    ref: str  # a file key, a vault's video id, or an external URL


@dataclass(frozen=True)
class Playback:
    """What the client plays: ``url`` (a file or an external video), or ``otp`` and
    ``playback_info`` for the vault's player. ``expires_at``: when it stops working."""

    kind: VideoKind
    url: str | None = None
    otp: str | None = None
    playback_info: str | None = None
    expires_at: datetime | None = None


@dataclass(frozen=True)
class VideoUploadCredentials:
    video_id: str
    upload_url: str
    fields: Mapping[str, str] = field(default_factory=dict)


class LessonVideos(Protocol):
    def play(self, course_id: str, lesson_id: str, video: LessonVideo, viewer_id: str,
             ip_address: str) -> Playback:
        """Lets ``viewer_id`` (already admitted by the caller) watch the lesson, and records
        the grant. Raises ``DeliveryFailed`` when the vault is down and ``NotFound`` when it
        no longer has the video."""

    def upload_credentials(self, title: str) -> VideoUploadCredentials:
        """A new video in the vault and the credentials to upload its source. Raises
        ``InvalidState`` when no vault is configured (upload the video as a file instead)."""


@dataclass(frozen=True)
class CvFile:
    file_id: str
    key: str
    content_type: str
    size: int  # bytes


class CvFiles(Protocol):
    """A student's uploaded CVs as the career area uses them: read for an analysis, sent
    with applications. Each call runs its own transaction."""

    def keep(self, upload_id: str, student_id: str) -> CvFile:
        """The student's completed CV upload, kept from now on (an application or analysis
        uses it, so the sweep of unused uploads leaves it; one CV serves many uses).
        Raises ``NotFound`` for an unknown upload or someone else's, ``InvalidValue`` for
        an upload that is not a CV, ``InvalidState`` for one not completed or discarded."""

    def read(self, cv: CvFile) -> bytes:
        """The CV's bytes. Raises ``DeliveryFailed`` when the store is unreachable and
        ``NotFound`` when its bytes are gone."""

    def link(self, file_id: str, lifetime_seconds: int) -> FileLink | None:
        """A signed download link to the CV valid for ``lifetime_seconds`` (signed
        locally), or None when the file is gone (its owner erased)."""


@dataclass(frozen=True)
class StoredBytes:
    """What the store holds, in bytes of files checked and kept (ready or in use), summed
    two ways: ``by_institution``, the files an institution owns (its logo, its reports), by
    institution id; ``by_email_domain``, the files people own, by the domain of their
    verified email address (lower case; unverified addresses count nowhere)."""

    by_institution: Mapping[str, int]
    by_email_domain: Mapping[str, int]


class StorageTotals(Protocol):
    def totals(self) -> StoredBytes:
        """Every owner's bytes, in one read of the file records (in the caller's
        transaction). Read only; each call sums afresh."""
