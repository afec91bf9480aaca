"""A record of each time someone was let in to watch a lesson's video."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.shared.files import VideoKind


@dataclass(frozen=True)
class PlaybackGrant:
    id: str
    course_id: str
    lesson_id: str
    viewer_id: str
    kind: VideoKind
    granted_at: datetime
