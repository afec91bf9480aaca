"""``FileLinks``: signed links to files anyone may see."""

from __future__ import annotations

from application.files.config import FilesPolicy
from application.files.file_views import signed_link
from application.files.ports import FileStorage
from application.files.published import FileLink
from application.shared.ports import Clock
from domain.shared.files import FilePurpose


class SignedFileLinks:
    def __init__(self, storage: FileStorage, policy: FilesPolicy, clock: Clock) -> None:
        self.storage, self.policy, self.clock = storage, policy, clock

    def public_link(self, key: str) -> FileLink:
        # Served from a cached page at most public_page_cache after signing, the link still
        # has its whole lifetime ahead.
        lifetime = self.policy.lifetime(FilePurpose.COURSE_THUMBNAIL) + \
            self.policy.public_page_cache
        return signed_link(self.storage, key, lifetime, self.clock.now())
