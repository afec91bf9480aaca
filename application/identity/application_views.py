"""How a teacher application is shown to its applicant and to the admins who decide."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.identity.teachers import TeacherApplication


@dataclass(frozen=True)
class ApplicationView:
    id: str
    user_id: str
    status: str
    headline: str
    bio: str
    submitted_at: datetime
    decided_at: datetime | None
    reason: str | None  # why it was rejected


def describe_application(application: TeacherApplication) -> ApplicationView:
    a = application
    return ApplicationView(a.id, a.user_id, a.status.value, a.headline, a.bio, a.submitted_at,
                           a.decided_at, a.reason)
