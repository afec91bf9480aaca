"""Paid consultations in the database: the services providers offer and the consultations
students start on them (their parties are live participants under the consultation's id)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    or_,
    select,
)
from sqlalchemy.orm import composite, registry

from adapters.outbound.persistence.schema import ID, EnumText, metadata, utc
from adapters.outbound.persistence.shared import TrackedRepository
from domain.live.consultations import (
    Consultation,
    ConsultationService,
    ConsultationStatus,
    StopReason,
)
from domain.shared.money import Money

consultation_services = Table(
    "consultation_services",
    metadata,
    Column("id", ID, primary_key=True),
    Column("provider_id", ID, ForeignKey("users.id"), nullable=False),
    Column("title", String(200), nullable=False),
    Column("base_fee_minor", BigInteger, nullable=False),
    Column("per_minute_minor", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("active", Boolean, nullable=False),
    Column("created_at", utc(), nullable=False),
    CheckConstraint("base_fee_minor >= 0", name="base_fee_not_negative"),
    CheckConstraint("per_minute_minor > 0", name="per_minute_positive"),
    Index("ix_consultation_services_provider", "provider_id", "created_at"),
)

consultations = Table(
    "consultations",
    metadata,
    Column("id", ID, primary_key=True),
    Column("service_id", ID, ForeignKey("consultation_services.id"), nullable=False),
    Column("student_id", ID, ForeignKey("users.id"), nullable=False, index=True),
    Column("provider_id", ID, ForeignKey("users.id"), nullable=False, index=True),
    Column("video_provider", String(16), nullable=False),
    Column("base_fee_minor", BigInteger, nullable=False),
    Column("per_minute_minor", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("started_at", utc(), nullable=False),
    Column("held_minor", BigInteger, nullable=False),
    Column("status", EnumText(ConsultationStatus), nullable=False),
    Column("ended_at", utc()),
    Column("stop_reason", EnumText(StopReason)),
    Column("billed_seconds", Integer, nullable=False),
    Column("billed_minutes", Integer, nullable=False),
    Column("cost_minor", BigInteger, nullable=False),
    Column("version", Integer, nullable=False),
    # A bill never exceeds what was held of the student's credits.
    CheckConstraint("cost_minor >= 0 AND cost_minor <= held_minor", name="cost_within_hold"),
    Index("ix_consultations_status", "status", "started_at"),
    Index("ix_consultations_ended_at", "ended_at"),
)


class SqlConsultationServiceRepository(TrackedRepository[ConsultationService]):
    kind = ConsultationService

    def offered(self, provider_id: str | None, limit: int) -> list[ConsultationService]:
        c = consultation_services.c
        query = select(ConsultationService).where(c.active.is_(True))
        if provider_id is not None:
            query = query.where(c.provider_id == provider_id)
        return self._all(query.order_by(c.created_at.desc(), c.id).limit(limit))


class SqlConsultationRepository(TrackedRepository[Consultation]):
    kind = Consultation

    def get(self, consultation_id: str, for_update: bool = False) -> Consultation | None:
        query = select(Consultation).where(consultations.c.id == consultation_id)
        if for_update:
            # populate_existing: re-read the locked row even if this session saw it before.
            query = query.with_for_update().execution_options(populate_existing=True)
        return self._one(query)

    def of_person(self, user_id: str, limit: int) -> list[Consultation]:
        c = consultations.c
        return self._all(select(Consultation).where(
            or_(c.student_id == user_id, c.provider_id == user_id))
            .order_by(c.started_at.desc(), c.id).limit(limit))

    def running(self, limit: int) -> list[Consultation]:
        c = consultations.c
        return self._all(select(Consultation).where(c.status == ConsultationStatus.ACTIVE)
                         .order_by(c.started_at, c.id).limit(limit))

    def ended_between(self, start: datetime, end: datetime,
                      provider_id: str | None = None) -> list[Consultation]:
        c = consultations.c
        query = select(Consultation).where(c.ended_at >= start, c.ended_at < end)
        if provider_id is not None:
            query = query.where(c.provider_id == provider_id)
        return list(self.session.scalars(query.order_by(c.ended_at, c.id)))


def map_consultations(mapper: registry) -> None:
    s = consultation_services.c
    mapper.map_imperatively(ConsultationService, consultation_services, properties={
        "base_fee": composite(Money, s.base_fee_minor, s.currency),
        "per_minute": composite(Money, s.per_minute_minor, s.currency)})
    c = consultations.c
    mapper.map_imperatively(
        Consultation, consultations,
        # Holds, stops and the sweeper race: the UPDATE names the version it read.
        version_id_col=c.version, version_id_generator=False,
        # The column is mapped under another name: ``currency`` is the domain's property.
        properties={"_currency": c.currency,
                    "base_fee": composite(Money, c.base_fee_minor, c.currency),
                    "per_minute": composite(Money, c.per_minute_minor, c.currency)})
