"""Identity in the database: verifications (what is kept of each decision, never the
documents) and teacher applications."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import (
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    or_,
    select,
)
from sqlalchemy.orm import registry

from adapters.outbound.persistence.accounts import SqlUserRepository
from adapters.outbound.persistence.schema import ID, EnumText, metadata, utc
from adapters.outbound.persistence.shared import TrackedRepository
from adapters.outbound.persistence.unit_of_work import SqlUnitOfWork, audit_log
from application.accounts.directory import UserDirectory
from application.identity.standing import RecordedStanding
from domain.identity.statuses import VerificationStatus
from domain.identity.teachers import ApplicationStatus, TeacherApplication
from domain.identity.verification import IdentityVerification

identity_verifications = Table(
    "identity_verifications",
    metadata,
    Column("id", ID, primary_key=True),
    Column("user_id", ID, ForeignKey("users.id"), nullable=False),
    Column("provider", String(16), nullable=False),
    Column("session_id", String(64), nullable=False),
    Column("url", String(500)),
    Column("status", EnumText(VerificationStatus), nullable=False),
    Column("created_at", utc(), nullable=False),
    Column("status_at", utc()),
    Column("decided_at", utc()),
    Column("document_type", String(64)),
    Column("issuing_country", String(8)),
    Column("decline_reason", String(500)),
    Column("reviewer_id", ID),
    Column("next_poll_at", utc()),
    Column("version", Integer, nullable=False),
    # One record per verifier session: a repeated open or a race finds the first.
    UniqueConstraint("provider", "session_id", name="uq_identity_verifications_session"),
    Index("ix_identity_verifications_user", "user_id", "created_at"),
    Index("ix_identity_verifications_status", "status", "created_at"),
)

teacher_applications = Table(
    "teacher_applications",
    metadata,
    Column("id", ID, primary_key=True),
    Column("user_id", ID, ForeignKey("users.id"), nullable=False),
    Column("submitted_at", utc(), nullable=False),
    Column("headline", String(200), nullable=False),
    Column("bio", Text, nullable=False),
    Column("status", EnumText(ApplicationStatus), nullable=False),
    Column("decided_at", utc()),
    Column("decided_by", ID),
    Column("reason", String(500)),
    Column("rejected_profile", String(64)),
    Column("version", Integer, nullable=False),
    UniqueConstraint("user_id", name="uq_teacher_applications_user_id"),
    Index("ix_teacher_applications_status", "status", "submitted_at"),
)


class SqlVerificationRepository(TrackedRepository[IdentityVerification]):
    kind = IdentityVerification

    def by_session(self, provider: str, session_id: str) -> IdentityVerification | None:
        c = identity_verifications.c
        return self._one(select(IdentityVerification).where(
            c.provider == provider, c.session_id == session_id).with_for_update()
            .execution_options(populate_existing=True))

    def latest(self, user_id: str) -> IdentityVerification | None:
        c = identity_verifications.c
        return self._one(select(IdentityVerification).where(c.user_id == user_id)
                         .order_by(c.created_at.desc(), c.id.desc()).limit(1))

    def with_status(self, statuses: frozenset[VerificationStatus], provider: str | None,
                    limit: int) -> list[IdentityVerification]:
        c = identity_verifications.c
        query = select(IdentityVerification).where(c.status.in_(sorted(statuses)))
        if provider is not None:
            query = query.where(c.provider == provider)
        return self._all(query.order_by(c.created_at, c.id).limit(limit))

    def due_for_poll(self, provider: str, opened_before: datetime, now: datetime,
                     limit: int) -> list[IdentityVerification]:
        c = identity_verifications.c
        open_ = sorted(s for s in VerificationStatus if s.is_open)
        return self._all(select(IdentityVerification).where(
            c.provider == provider, c.status.in_(open_), c.created_at < opened_before,
            or_(c.next_poll_at.is_(None), c.next_poll_at <= now))
            .order_by(c.created_at, c.id).limit(limit))


class SqlTeacherApplicationRepository(TrackedRepository[TeacherApplication]):
    kind = TeacherApplication

    def of_user(self, user_id: str) -> TeacherApplication | None:
        return self._one(select(TeacherApplication).where(
            teacher_applications.c.user_id == user_id))

    def with_status(self, status: ApplicationStatus, limit: int) -> list[TeacherApplication]:
        c = teacher_applications.c
        return self._all(select(TeacherApplication).where(c.status == status)
                         .order_by(c.submitted_at, c.id).limit(limit))


def identity_standing(uow: SqlUnitOfWork) -> RecordedStanding:
    """The identity area's published ``IdentityStanding`` over another area's transaction."""
    return RecordedStanding(SqlVerificationRepository(uow.session, uow.tracker),
                            SqlTeacherApplicationRepository(uow.session, uow.tracker))


def map_identity(mapper: registry) -> None:
    # Deliveries, polls and reviews of one verification race: the UPDATE names its version.
    mapper.map_imperatively(IdentityVerification, identity_verifications,
                            version_id_col=identity_verifications.c.version,
                            version_id_generator=False)
    mapper.map_imperatively(TeacherApplication, teacher_applications,
                            version_id_col=teacher_applications.c.version,
                            version_id_generator=False)


class SqlIdentityUnitOfWork(SqlUnitOfWork):
    repositories: ClassVar[Mapping[str, Callable[[SqlUnitOfWork], Any]]] = {
        "verifications": lambda uow: SqlVerificationRepository(uow.session, uow.tracker),
        "applications": lambda uow: SqlTeacherApplicationRepository(uow.session, uow.tracker),
        "people": lambda uow: UserDirectory(SqlUserRepository(uow.session, uow.tracker)),
        "audit": audit_log,
    }
