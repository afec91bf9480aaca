"""Domain events: past-tense facts, serialisable to the outbox as plain JSON values."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any, ClassVar


@dataclass(frozen=True)
class Event:
    registry: ClassVar[dict[str, type[Event]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        Event.registry[cls.__name__] = cls

    @property
    def name(self) -> str:
        return type(self).__name__

    def payload(self) -> dict[str, Any]:
        return asdict(self)

    @staticmethod
    def restore(name: str, payload: dict[str, Any]) -> Event:
        cls = Event.registry[name]
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in payload.items() if k in known})


@dataclass(frozen=True)
class UserRegistered(Event):
    user_id: str
    email: str
    role: str


@dataclass(frozen=True)
class EmailVerificationRequested(Event):
    user_id: str


@dataclass(frozen=True)
class PasswordResetRequested(Event):
    user_id: str


@dataclass(frozen=True)
class EmailVerified(Event):
    user_id: str


@dataclass(frozen=True)
class PasswordChanged(Event):
    user_id: str


@dataclass(frozen=True)
class RoleChanged(Event):
    user_id: str
    old_role: str
    new_role: str


@dataclass(frozen=True)
class CoursePublished(Event):
    course_id: str
    teacher_id: str


@dataclass(frozen=True)
class StudentEnrolled(Event):
    enrollment_id: str
    course_id: str
    student_id: str


@dataclass(frozen=True)
class PaymentSucceeded(Event):
    payment_id: str
    order_id: str
    student_id: str


@dataclass(frozen=True)
class PaymentFailed(Event):
    payment_id: str
    student_id: str
    reason: str


@dataclass(frozen=True)
class PaymentRefunded(Event):
    payment_id: str
    order_id: str
    student_id: str
    refunded_minor: int
    full: bool


@dataclass(frozen=True)
class DisputeOpened(Event):
    payment_id: str
    order_id: str
    student_id: str


@dataclass(frozen=True)
class DisputeClosed(Event):
    payment_id: str
    order_id: str
    student_id: str
    won: bool
