"""How a live session is shown to the people who may see it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.live.model import LiveSession


@dataclass(frozen=True)
class SessionView:
    id: str
    course_id: str
    teacher_id: str
    title: str
    status: str
    provider: str
    starts_at: datetime
    planned_minutes: int
    started_at: datetime | None
    ended_at: datetime | None


def describe_session(session: LiveSession) -> SessionView:
    return SessionView(session.id, session.course_id, session.teacher_id, session.title,
                       session.status.value, session.provider, session.starts_at,
                       session.planned_minutes, session.started_at, session.ended_at)
