"""Rules of the files area that come from configuration."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta

from application.files.ports import VideoVault
from domain.shared.files import FilePurpose


@dataclass(frozen=True)
class FilesPolicy:
    upload_window: timedelta = timedelta(minutes=15)  # how long an upload URL works
    link_lifetime: timedelta = timedelta(hours=1)  # a download URL, unless the purpose says
    link_lifetimes: Mapping[FilePurpose, timedelta] = field(default_factory=dict)
    # A public page may be served from the page cache this long after it was made: its
    # thumbnail links are signed for that much longer, so none has expired when it is shown.
    public_page_cache: timedelta = timedelta(seconds=5)
    keep_unused: timedelta = timedelta(hours=24)  # uploads never completed or never used
    playback_ttl: timedelta = timedelta(seconds=300)  # a vault OTP (VdoCipher's minimum)

    def lifetime(self, purpose: FilePurpose) -> timedelta:
        return self.link_lifetimes.get(purpose, self.link_lifetime)


@dataclass(frozen=True)
class ConfiguredVault:
    """The video vault when one is configured; None plays lesson videos from file storage."""

    vault: VideoVault | None = None
