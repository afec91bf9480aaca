"""The purposes a file is uploaded for: shared words, since the areas that use files (the
catalog, career, institutions) name them when they attach one."""

from __future__ import annotations

from enum import StrEnum


class FilePurpose(StrEnum):
    COURSE_THUMBNAIL = "course_thumbnail"
    LESSON_ATTACHMENT = "lesson_attachment"
    LESSON_VIDEO = "lesson_video"
    INSTITUTION_LOGO = "institution_logo"
    CV = "cv"
    REPORT = "report"


class VideoKind(StrEnum):
    """Where a lesson's video is played from."""

    FILE = "file"  # an upload in eduport's file storage, through a short-lived signed URL
    VAULT = "vault"  # a protected video host (VdoCipher), through a one-viewer OTP
    EXTERNAL = "external"  # a public URL elsewhere: free previews only
