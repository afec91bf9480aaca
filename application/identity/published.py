"""The identity area's published interface: whether a person's identity is verified and
whether a teacher is approved, read in the caller's transaction, and the rules other areas
apply with it (publishing a course; a student's paid checkout and live sessions)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from application.shared.ports import Principal
from domain.shared.errors import PermissionDenied
from domain.shared.roles import Role


class IdentityStanding(Protocol):
    def is_verified(self, user_id: str) -> bool:
        """Whether the person's latest identity verification was approved."""

    def is_approved_teacher(self, user_id: str) -> bool:
        """Whether the person's teacher application was approved."""


@dataclass(frozen=True)
class IdentityRequirements:
    """``teacher_approval``: a teacher publishes only once approved (``TEACHER_APPROVAL``).
    ``students_verified``: a student pays and joins live sessions only with a verified
    identity (``STUDENT_REQUIRES_IDENTITY``)."""

    teacher_approval: bool = True
    students_verified: bool = False

    def ensure_may_publish(self, standing: IdentityStanding, principal: Principal) -> None:
        if self.teacher_approval and principal.role == Role.TEACHER and \
                not standing.is_approved_teacher(principal.user_id):
            raise PermissionDenied(
                "your teacher application is not approved yet: you may draft courses, and "
                "publish once a platform admin approves it (GET /me/teacher-application)")

    def ensure_verified(self, standing: IdentityStanding, principal: Principal,
                        action: str) -> None:
        if self.students_verified and principal.role == Role.STUDENT and \
                not standing.is_verified(principal.user_id):
            raise PermissionDenied(
                f"verify your identity before you {action}: POST /me/identity-verification "
                "and follow the link it answers")
