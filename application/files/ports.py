"""What the files area needs from the outside world: an object store for uploads and
downloads (S3, R2, or a folder of eduport's own), a video vault for protected lesson video
(VdoCipher), and its own records."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from application.accounts.published import AccountDirectory
from application.catalog.published import CourseRoster
from application.shared.ports import UnitOfWork
from domain.files.model import OwnerKind, StoredFile
from domain.files.playback import PlaybackGrant


@dataclass(frozen=True)
class UploadTicket:
    """How a client sends one object's bytes: ``method`` (always ``PUT``) to ``url`` with
    exactly ``headers`` (the signed ``Content-Type``). Valid until ``expires_at`` (UTC)."""

    url: str
    method: str
    headers: Mapping[str, str]
    expires_at: datetime


@dataclass(frozen=True)
class StoredObject:
    """An object as the store holds it: ``size`` in bytes, ``content_type`` as it was sent
    (None when the store kept none)."""

    key: str
    size: int
    content_type: str | None


class FileStorage(Protocol):
    """A private object store. Keys are ``<prefix>/<32 hex>`` (``check_key``); an adapter
    refuses any other key with ``ValueError``, so no key reaches outside its bucket or folder.
    Nothing stored is public: every read goes through a signed, expiring URL.

    Errors: the store unreachable or failing raises ``DeliveryFailed`` (retry later);
    credentials or a bucket the store refuses raise ``DeliveryFailed`` too, with an ERROR
    log line, since the client can do nothing about them."""

    name: str  # "s3" or "local", for logs and the adapters listing

    def upload_url(self, key: str, content_type: str, size: int,
                   expires_in: timedelta) -> UploadTicket:
        """A presigned PUT of ``size`` bytes of ``content_type`` at ``key``, valid for
        ``expires_in`` (1 s to 7 days). The content type is part of the signature: a PUT with
        another ``Content-Type`` is refused by the store (real S3/R2 and the local folder;
        moto does not check). Signed locally, no network call."""

    def download_url(self, key: str, expires_in: timedelta, filename: str | None,
                     inline: bool) -> str:
        """A presigned GET of ``key`` valid for ``expires_in``, answered with
        ``Content-Disposition: inline`` or ``attachment`` and ``filename`` when given.
        Signed locally, no network call; a missing object is the store's 404 when used."""

    def stat(self, key: str) -> StoredObject | None:
        """The object at ``key``, or None when there is none."""

    def read_head(self, key: str, length: int) -> bytes:
        """The object's first ``length`` bytes (fewer when it is shorter). Raises
        ``LookupError`` when there is no object at ``key``."""

    def put(self, key: str, data: bytes, content_type: str) -> None:
        """Stores ``data`` at ``key`` from the server itself (generated reports, the demo).
        Idempotent: the same call twice leaves the same object."""

    def delete(self, key: str) -> None:
        """Removes the object. Idempotent: deleting a missing object succeeds."""


@dataclass(frozen=True)
class VideoUploadTicket:
    """How a teacher's browser uploads a source video straight to the vault: a
    ``multipart/form-data`` POST to ``upload_url`` with every field of ``fields`` and the
    file last. ``video_id`` is the vault's id of the video from now on."""

    video_id: str
    upload_url: str
    fields: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Viewer:
    """Who watches, as the watermark shows them."""

    user_id: str
    name: str
    email: str
    ip_address: str


@dataclass(frozen=True)
class VideoPlayback:
    """What the vault's player needs: both values go to the embed as they are."""

    otp: str
    playback_info: str


class VideoVault(Protocol):
    """Protected video hosting (VdoCipher). Calls go over the network, server to server.

    Errors: an unknown video raises ``LookupError``; the vault unreachable, failing or
    refusing the API secret raises ``DeliveryFailed``."""

    provider: str

    def upload_ticket(self, title: str, folder_id: str | None) -> VideoUploadTicket:
        """Creates an empty video titled ``title`` (in ``folder_id``, or the vault's root
        folder) and the credentials to upload its source. Not idempotent: each call is a new
        video."""

    def playback(self, video_id: str, viewer: Viewer, ttl: timedelta) -> VideoPlayback:
        """A one-viewer playback grant for ``video_id`` valid for ``ttl`` (at least 300 s),
        with a moving watermark of the viewer's name, email and IP address."""


class FileRepository(Protocol):
    def add(self, file: StoredFile) -> None: ...

    def get(self, file_id: str) -> StoredFile | None:
        """The file, locked for the rest of the transaction (two completions or an attach
        and a sweep never interleave)."""

    def by_key(self, key: str) -> StoredFile | None: ...

    def abandoned(self, pending_before: datetime, ready_before: datetime,
                  limit: int) -> list[StoredFile]:
        """Pending files created at or before ``pending_before`` and ready (never attached)
        ones completed at or before ``ready_before``, oldest first."""

    def unremoved(self, now: datetime, limit: int) -> list[StoredFile]:
        """Discarded and rejected files not yet removed whose upload link expired at or
        before ``now``, oldest first."""


@dataclass(frozen=True)
class LessonViews:
    lesson_id: str
    views: int  # playback grants
    viewers: int  # distinct people


class FileQueries(Protocol):
    def bytes_stored(self, owner_kind: OwnerKind, owner_id: str) -> tuple[int, int]:
        """(bytes, files) of the owner's ready and attached files."""

    def lesson_views(self, course_id: str) -> list[LessonViews]:
        """Playback grants per lesson of the course, lessons without any left out."""


class PlaybackGrants(Protocol):
    def add(self, grant: PlaybackGrant) -> None: ...


class FormatSniffer(Protocol):
    def sniff(self, head: bytes) -> str | None:
        """The MIME type the first bytes show (``image/png``, ``application/pdf``, ...), or
        None for no known binary format (text, or anything unrecognised)."""


class FilesUnitOfWork(UnitOfWork, Protocol):
    """One transaction over file records and playback grants, reading the catalog's rosters
    and the accounts' directory in the same transaction."""

    files: FileRepository
    grants: PlaybackGrants
    queries: FileQueries
    roster: CourseRoster
    people: AccountDirectory
