from __future__ import annotations

from dataclasses import dataclass

from application.identity.ports import IdentityUnitOfWork
from application.identity.verification_views import VerificationView, describe_verification
from application.shared.ports import Principal
from domain.identity.statuses import OPEN, VerificationStatus
from domain.shared.errors import PermissionDenied
from domain.shared.roles import Role


@dataclass(frozen=True)
class ListVerificationsForReviewQuery:
    actor: Principal
    status: VerificationStatus | None = None  # None: every open one
    limit: int = 100


class ListVerificationsForReview:
    """Platform admins: the verifications waiting for them (the manual reviews still
    open, the longest waiting first), or those in one status."""

    def __init__(self, uow: IdentityUnitOfWork) -> None:
        self.uow = uow

    def __call__(self, query: ListVerificationsForReviewQuery) -> list[VerificationView]:
        if query.actor.role != Role.PLATFORM_ADMIN:
            raise PermissionDenied("only platform admins review identity verifications")
        statuses = frozenset({query.status}) if query.status else OPEN
        with self.uow:
            return [describe_verification(v) for v in self.uow.verifications.with_status(
                statuses, "manual" if query.status is None else None, query.limit)]
