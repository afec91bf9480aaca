"""A teacher application: who registered as a teacher may draft courses, and publishes once
a platform admin approved them. A rejected applicant may apply again with a changed
profile; an applicant may withdraw."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from domain.identity.events import TeacherApproved, TeacherRejected
from domain.shared.errors import Conflict, InvalidValue
from domain.shared.model import Aggregate

MAX_HEADLINE, MAX_BIO, MAX_REASON = 200, 4000, 500


class ApplicationStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


@dataclass(eq=False)
class TeacherApplication(Aggregate):
    id: str
    user_id: str
    submitted_at: datetime
    headline: str = ""
    bio: str = ""
    status: ApplicationStatus = ApplicationStatus.PENDING
    decided_at: datetime | None = None
    decided_by: str | None = None
    reason: str | None = None  # why it was rejected
    rejected_profile: str | None = None  # the profile (a digest) that was rejected
    version: int = 1

    @property
    def profile(self) -> str:
        return hashlib.sha256(f"{self.headline}\n{self.bio}".encode()).hexdigest()

    @property
    def is_approved(self) -> bool:
        return self.status is ApplicationStatus.APPROVED

    def describe(self, headline: str, bio: str, now: datetime) -> None:
        """The applicant's profile changes; a rejected application whose profile changed is
        submitted again, a withdrawn one too."""
        headline, bio = headline.strip(), bio.strip()
        if len(headline) > MAX_HEADLINE or len(bio) > MAX_BIO:
            raise InvalidValue(f"a headline has at most {MAX_HEADLINE} characters and a bio "
                               f"{MAX_BIO}")
        if self.is_approved:
            self.headline, self.bio = headline, bio
            self.version += 1
            return
        self.headline, self.bio = headline, bio
        if self.status is ApplicationStatus.REJECTED and self.profile == self.rejected_profile:
            raise Conflict("change your profile before applying again")
        if self.status is not ApplicationStatus.PENDING:
            self.status, self.submitted_at = ApplicationStatus.PENDING, now
            self.decided_at = self.decided_by = None
        self.version += 1

    def approve(self, admin_id: str, now: datetime) -> None:
        self._decide(ApplicationStatus.APPROVED, admin_id, now)
        self.reason = None
        self.events.append(TeacherApproved(application_id=self.id, user_id=self.user_id))

    def reject(self, admin_id: str, reason: str, now: datetime) -> None:
        reason = reason.strip()
        if not 1 <= len(reason) <= MAX_REASON:
            raise InvalidValue(f"a rejection needs a reason of 1 to {MAX_REASON} characters")
        self._decide(ApplicationStatus.REJECTED, admin_id, now)
        self.reason, self.rejected_profile = reason, self.profile
        self.events.append(TeacherRejected(application_id=self.id, user_id=self.user_id,
                                           reason=reason))

    def withdraw(self, now: datetime) -> None:
        if self.status is not ApplicationStatus.PENDING:
            raise Conflict(f"a {self.status.value} application cannot be withdrawn")
        self.status, self.decided_at = ApplicationStatus.WITHDRAWN, now
        self.version += 1

    def _decide(self, status: ApplicationStatus, admin_id: str, now: datetime) -> None:
        if self.status is not ApplicationStatus.PENDING:
            raise Conflict(f"the application is {self.status.value}, not pending")
        self.status, self.decided_at, self.decided_by = status, now, admin_id
        self.version += 1
