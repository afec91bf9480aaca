"""The files area's wiring: the object store (S3 or R2 when a bucket is configured,
otherwise a folder in the data directory served by eduport itself), the video vault
(VdoCipher when its secret is set), the links' lifetimes, and the removal of discarded
files' bytes after commit."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from injector import Injector, provider, singleton

from adapters.outbound.files.sniffing import FiletypeFormatSniffer
from adapters.outbound.persistence.files import SqlFilesUnitOfWork
from adapters.settings import Section, Settings, SettingsReader
from adapters.wiring.area import AreaModule
from adapters.wiring.choice import vendor_or_default
from application.files.config import ConfiguredVault, FilesPolicy
from application.files.cv_files import StoredCvFiles
from application.files.lesson_videos import RecordedLessonVideos
from application.files.links import SignedFileLinks
from application.files.ports import FileStorage, FilesUnitOfWork, FormatSniffer
from application.files.published import CvFiles, FileLinks, LessonVideos
from application.files.remove_discarded_file import RemoveDiscardedFile
from application.shared.ports import Clock, IdGenerator
from domain.files.events import FileDiscarded
from domain.shared.files import FilePurpose


def _first(reader: SettingsReader, *names: str) -> str | None:
    """The first of a setting's accepted names that is set: ours, then the seeds' (AWS_*,
    R2_*)."""
    return next((value for name in names if (value := reader.text(name)) is not None), None)


@dataclass(frozen=True)
class FilesSettings:
    s3_bucket: str | None = None
    s3_endpoint_url: str | None = None
    s3_region: str = "us-east-1"
    s3_access_key_id: str | None = None
    s3_secret_access_key: str | None = None
    public_api_url: str = "http://127.0.0.1:8000"
    upload_window_minutes: int = 15
    link_ttl_seconds: int = 3600
    link_ttls: Mapping[FilePurpose, int] = field(default_factory=dict)
    keep_unused_hours: int = 24
    vdocipher_api_secret: str | None = None
    vdocipher_api_base: str = "https://dev.vdocipher.com/api"
    vdocipher_otp_ttl_seconds: int = 300

    @classmethod
    def read(cls, reader: SettingsReader) -> FilesSettings:
        bucket = _first(reader, "S3_BUCKET", "AWS_BUCKET", "R2_BUCKET_NAME")
        endpoint = reader.url("S3_ENDPOINT_URL", _first(reader, "R2_ENDPOINT_URL"),
                              ("https", "http"))
        key_id = _first(reader, "S3_ACCESS_KEY_ID", "AWS_ACCESS_KEY_ID", "R2_ACCESS_KEY_ID")
        secret = _first(reader, "S3_SECRET_ACCESS_KEY", "AWS_SECRET_ACCESS_KEY",
                        "R2_SECRET_ACCESS_KEY")
        if bucket and not (key_id and secret):
            reader.problems.append("S3_BUCKET is set without S3_ACCESS_KEY_ID and "
                                   "S3_SECRET_ACCESS_KEY (or AWS_*/R2_* names)")
        # R2 is addressed by its endpoint and takes region "auto".
        region = _first(reader, "S3_REGION", "AWS_DEFAULT_REGION") or (
            "auto" if endpoint and "r2.cloudflarestorage.com" in endpoint else "us-east-1")
        vdocipher = _first(reader, "VDOCIPHER_API_SECRET", "VIDEO_SERVICE_SECRET_KEY")
        window = reader.integer("FILE_UPLOAD_WINDOW_MINUTES", 15, 1)
        keep = reader.integer("FILE_KEEP_UNUSED_HOURS", 24, 1)
        # A presigned URL lives 7 days at most, and a link must die before the sweeper
        # takes its upload for abandoned.
        if window > min(7 * 24 * 60, keep * 60):
            reader.problems.append("FILE_UPLOAD_WINDOW_MINUTES must be at most 7 days and no "
                                   "longer than FILE_KEEP_UNUSED_HOURS")
        vdocipher_base = reader.url("VDOCIPHER_API_BASE", "https://dev.vdocipher.com/api",
                                    ("https", "http")) or ""
        # The secret travels in a header: plain http only to a server on this machine.
        if vdocipher_base.startswith("http://") and urlsplit(vdocipher_base).hostname not in (
                "127.0.0.1", "localhost", "::1"):
            reader.problems.append("VDOCIPHER_API_BASE must be https (http only on this host)")
        return cls(
            s3_bucket=bucket, s3_endpoint_url=endpoint, s3_region=region,
            s3_access_key_id=key_id, s3_secret_access_key=secret,
            public_api_url=(reader.url("PUBLIC_API_URL", "http://127.0.0.1:8000",
                                       ("https", "http")) or "").rstrip("/"),
            upload_window_minutes=window,
            link_ttl_seconds=reader.integer("FILE_LINK_TTL_SECONDS", 3600, 60),
            link_ttls={purpose: reader.integer(f"FILE_LINK_TTL_{purpose.name}_SECONDS", 0, 60)
                       for purpose in FilePurpose
                       if reader.text(f"FILE_LINK_TTL_{purpose.name}_SECONDS")},
            keep_unused_hours=keep,
            vdocipher_api_secret=vdocipher,
            vdocipher_api_base=vdocipher_base,
            vdocipher_otp_ttl_seconds=reader.integer("VDOCIPHER_OTP_TTL_SECONDS", 300, 300))


class FilesModule(AreaModule):
    sections: Sequence[type[Section]] = (FilesSettings,)
    unit_of_work = (FilesUnitOfWork, SqlFilesUnitOfWork)
    handlers = {FileDiscarded: (("remove_bytes", RemoveDiscardedFile),)}

    @singleton
    @provider
    def storage(self, settings: Settings, clock: Clock) -> FileStorage:
        files = settings.section(FilesSettings)

        def s3() -> FileStorage:
            from adapters.outbound.files.s3 import S3FileStorage

            return S3FileStorage(files.s3_bucket or "", endpoint_url=files.s3_endpoint_url,
                                 region=files.s3_region,
                                 access_key_id=files.s3_access_key_id or "",
                                 secret_access_key=files.s3_secret_access_key or "")

        def local() -> FileStorage:
            from adapters.outbound.files.local import LocalFileStorage

            # A key of its own, derived from the JWT secret: one secret fewer to configure.
            key = hmac.new(settings.jwt_secret.encode(), b"eduport local files",
                           hashlib.sha256).digest()
            return LocalFileStorage(Path(settings.data_dir) / "files", files.public_api_url,
                                    key, clock)

        return vendor_or_default({"s3": s3 if files.s3_bucket else None}, ("local", local))

    @singleton
    @provider
    def sniffer(self) -> FormatSniffer:
        return FiletypeFormatSniffer()

    @singleton
    @provider
    def vault(self, settings: Settings) -> ConfiguredVault:
        files = settings.section(FilesSettings)
        if files.vdocipher_api_secret is None:
            return ConfiguredVault()
        from adapters.outbound.files.vdocipher import VdoCipherVideoVault

        return ConfiguredVault(VdoCipherVideoVault(files.vdocipher_api_secret,
                                                   files.vdocipher_api_base))

    @singleton
    @provider
    def policy(self, settings: Settings) -> FilesPolicy:
        files = settings.section(FilesSettings)
        return FilesPolicy(
            upload_window=timedelta(minutes=files.upload_window_minutes),
            link_lifetime=timedelta(seconds=files.link_ttl_seconds),
            link_lifetimes={purpose: timedelta(seconds=seconds)
                            for purpose, seconds in files.link_ttls.items()},
            public_page_cache=timedelta(seconds=settings.listing_cache_seconds),
            keep_unused=timedelta(hours=files.keep_unused_hours),
            playback_ttl=timedelta(seconds=files.vdocipher_otp_ttl_seconds))

    @singleton
    @provider
    def links(self, storage: FileStorage, policy: FilesPolicy, clock: Clock) -> FileLinks:
        return SignedFileLinks(storage, policy, clock)

    @provider
    def cv_files(self, injector: Injector) -> CvFiles:
        return StoredCvFiles(injector.get(FilesUnitOfWork), injector.get(FileStorage),
                             injector.get(Clock))

    @provider
    def lesson_videos(self, injector: Injector) -> LessonVideos:
        # Not a singleton: each holds a unit of work of its own.
        return RecordedLessonVideos(injector.get(FilesUnitOfWork), injector.get(FileStorage),
                                    injector.get(ConfiguredVault), injector.get(FilesPolicy),
                                    injector.get(Clock), injector.get(IdGenerator))
