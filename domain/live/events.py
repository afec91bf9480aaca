"""What happened in live classes."""

from __future__ import annotations

from dataclasses import dataclass

from domain.shared.events import Event


@dataclass(frozen=True)
class LiveSessionStarted(Event):
    session_id: str
    course_id: str
    teacher_id: str
    title: str


@dataclass(frozen=True)
class LiveSessionEnded(Event):
    session_id: str
    course_id: str


@dataclass(frozen=True)
class LiveSessionCanceled(Event):
    session_id: str
    course_id: str


@dataclass(frozen=True)
class ConsultationStarted(Event):
    consultation_id: str
    student_id: str
    provider_id: str


@dataclass(frozen=True)
class ConsultationEnded(Event):
    consultation_id: str
    student_id: str
    provider_id: str
    reason: str
    cost_minor: int
    currency: str
