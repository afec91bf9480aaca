"""The identity area's records as the published ``IdentityStanding``, over any area's
transaction (the repositories are built on that transaction's session)."""

from __future__ import annotations

from application.identity.ports import TeacherApplicationRepository, VerificationRepository


class RecordedStanding:
    def __init__(self, verifications: VerificationRepository,
                 applications: TeacherApplicationRepository) -> None:
        self.verifications, self.applications = verifications, applications

    def is_verified(self, user_id: str) -> bool:
        latest = self.verifications.latest(user_id)
        return latest is not None and latest.is_verified

    def is_approved_teacher(self, user_id: str) -> bool:
        application = self.applications.of_user(user_id)
        return application is not None and application.is_approved
