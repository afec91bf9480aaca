"""``LessonVideos``: a lesson's video for a viewer the catalog admitted, recorded."""

from __future__ import annotations

from application.accounts.published import Contact
from application.files.config import ConfiguredVault, FilesPolicy
from application.files.file_views import signed_link
from application.files.ports import FileStorage, FilesUnitOfWork, Viewer
from application.files.published import LessonVideo, Playback, VideoUploadCredentials
from application.shared.ports import Clock, IdGenerator
from domain.files.playback import PlaybackGrant
from domain.shared.errors import InvalidState, NotFound
from domain.shared.files import FilePurpose, VideoKind


class RecordedLessonVideos:
    def __init__(self, uow: FilesUnitOfWork, storage: FileStorage, vault: ConfiguredVault,
                 policy: FilesPolicy, clock: Clock, ids: IdGenerator) -> None:
        self.uow, self.storage, self.vault = uow, storage, vault.vault
        self.policy, self.clock, self.ids = policy, clock, ids

    def play(self, course_id: str, lesson_id: str, video: LessonVideo, viewer_id: str,
             ip_address: str) -> Playback:
        # No transaction stays open while the vault is asked: a slow vault holds no lock.
        playback = self._playback(video, viewer_id, ip_address)
        with self.uow:
            self.uow.grants.add(PlaybackGrant(self.ids.new_id(), course_id, lesson_id,
                                              viewer_id, video.kind, self.clock.now()))
            self.uow.commit()
        return playback

    def _playback(self, video: LessonVideo, viewer_id: str, ip_address: str) -> Playback:
        now = self.clock.now()
        if video.kind == VideoKind.EXTERNAL:
            return Playback(video.kind, url=video.ref)
        if video.kind == VideoKind.FILE:
            link = signed_link(self.storage, video.ref,
                               self.policy.lifetime(FilePurpose.LESSON_VIDEO), now)
            return Playback(video.kind, url=link.url, expires_at=link.expires_at)
        if self.vault is None:
            raise InvalidState("this lesson's video is in a video vault that is not configured")
        contact = self._contact(viewer_id)
        try:
            granted = self.vault.playback(video.ref, Viewer(viewer_id, contact.full_name,
                                                            contact.email, ip_address),
                                          self.policy.playback_ttl)
        except LookupError as error:
            raise NotFound("the video vault no longer has this lesson's video") from error
        return Playback(video.kind, otp=granted.otp, playback_info=granted.playback_info,
                        expires_at=now + self.policy.playback_ttl)

    def _contact(self, viewer_id: str) -> Contact:
        with self.uow:
            contact = self.uow.people.contact(viewer_id)
        if contact is None:
            raise NotFound("no such account")
        return contact

    def upload_credentials(self, title: str) -> VideoUploadCredentials:
        if self.vault is None:
            raise InvalidState("no video vault is configured: upload the video as a file "
                               "(purpose lesson_video)")
        ticket = self.vault.upload_ticket(title, None)
        return VideoUploadCredentials(ticket.video_id, ticket.upload_url, dict(ticket.fields))
