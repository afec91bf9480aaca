"""The statuses of an identity verification, spelled exactly as Didit spells them (the
embedded manual review uses the same ones)."""

from __future__ import annotations

from enum import StrEnum


class VerificationStatus(StrEnum):
    NOT_STARTED = "Not Started"
    IN_PROGRESS = "In Progress"
    IN_REVIEW = "In Review"
    RESUBMITTED = "Resubmitted"
    AWAITING_USER = "Awaiting User"
    APPROVED = "Approved"
    DECLINED = "Declined"
    EXPIRED = "Expired"
    ABANDONED = "Abandoned"
    KYC_EXPIRED = "Kyc Expired"

    @property
    def is_open(self) -> bool:
        """Still going: the person or a reviewer has something left to do."""
        return self in OPEN


OPEN = frozenset({VerificationStatus.NOT_STARTED, VerificationStatus.IN_PROGRESS,
                  VerificationStatus.IN_REVIEW, VerificationStatus.RESUBMITTED,
                  VerificationStatus.AWAITING_USER})
