"""Institutions in the database: the institutions, which user runs which, their activity
trail, their alerts, their subscriptions, and the platform's broadcasts with each
delivery."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    delete,
    func,
    insert,
    or_,
    select,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session, registry
from sqlalchemy.types import TypeDecorator

from adapters.outbound.persistence.accounts import SqlUserRepository
from adapters.outbound.persistence.files import SqlStorageTotals
from adapters.outbound.persistence.live import SqlLiveMinutes
from adapters.outbound.persistence.schema import (
    ID,
    EnumText,
    TextList,
    dialect_insert,
    metadata,
    utc,
)
from adapters.outbound.persistence.shared import TrackedRepository
from adapters.outbound.persistence.unit_of_work import SqlUnitOfWork, audit_log
from application.accounts.directory import UserDirectory
from domain.institutions.activity import Activity, ActivityKind
from domain.institutions.alerts import Alert, AlertSeverity, AlertSource
from domain.institutions.broadcasts import Broadcast, BroadcastDelivery, DeliveryStatus
from domain.institutions.invoices import Invoice, InvoiceLine, InvoiceStatus, LineKind
from domain.institutions.model import Institution, InstitutionStatus
from domain.institutions.subscriptions import ENDED, Subscription, SubscriptionStatus

institutions = Table(
    "institutions",
    metadata,
    Column("id", ID, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("primary_email", String(254), nullable=False),
    Column("domain", String(253), nullable=False, unique=True),
    Column("plan", String(40), nullable=False),
    Column("storage_quota_bytes", BigInteger, nullable=False),
    Column("created_at", utc(), nullable=False),
    Column("updated_at", utc(), nullable=False),
    Column("status", EnumText(InstitutionStatus), nullable=False),
    Column("deactivated_at", utc()),
    Column("billing_customer_id", String(64)),
    Column("students", Integer, nullable=False),
    Column("faculty", Integer, nullable=False),
    Column("storage_bytes", BigInteger, nullable=False),
    Column("students_at", utc()),
    Column("faculty_at", utc()),
    Column("storage_at", utc()),
    Column("signing_secret", String(64), nullable=False),
    Column("webhook_url", String(500)),
    Column("past_due_since", utc()),
    Column("stored_bytes", BigInteger, nullable=False, server_default="0"),
    Column("stored_at", utc()),
    Column("storage_warned_at", utc()),
    Column("version", Integer, nullable=False),
    Index("ix_institutions_status_name", "status", "name"),
)

institution_admins = Table(
    "institution_admins",
    metadata,
    Column("user_id", ID, ForeignKey("users.id"), primary_key=True),  # one institution each
    Column("institution_id", ID, ForeignKey("institutions.id"), nullable=False),
    Index("ix_institution_admins_institution", "institution_id"),
)

institution_activity = Table(
    "institution_activity",
    metadata,
    Column("id", String(200), primary_key=True),  # the recording handler's key
    Column("institution_id", ID, ForeignKey("institutions.id"), nullable=False),
    Column("kind", EnumText(ActivityKind), nullable=False),
    Column("description", String(300), nullable=False),
    Column("actor_id", ID),
    Column("at", utc(), nullable=False),
    Column("details", JSON, nullable=False),
    Index("ix_institution_activity_institution", "institution_id", "at"),
)

institution_alerts = Table(
    "institution_alerts",
    metadata,
    Column("id", ID, primary_key=True),
    Column("institution_id", ID, ForeignKey("institutions.id"), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("severity", EnumText(AlertSeverity), nullable=False),
    Column("message", String(500), nullable=False),
    Column("source", EnumText(AlertSource), nullable=False),
    Column("raised_at", utc(), nullable=False),
    Column("reference", String(200), nullable=False),
    Column("acknowledged_at", utc()),
    Column("acknowledged_by", ID, ForeignKey("users.id")),
    Column("version", Integer, nullable=False),
    # What raised it, once: a retried request finds the first alert.
    Index("uq_institution_alerts_reference", "institution_id", "reference", unique=True),
    Index("ix_institution_alerts_raised", "raised_at"),
)


institution_broadcasts = Table(
    "institution_broadcasts",
    metadata,
    Column("id", ID, primary_key=True),
    Column("kind", String(40), nullable=False),
    Column("title", String(200), nullable=False),
    Column("message", String(2000), nullable=False),
    Column("scheduled_at", utc()),
    Column("created_at", utc(), nullable=False),
    Column("created_by", ID, ForeignKey("users.id")),
    Index("ix_institution_broadcasts_created", "created_at"),
)

broadcast_deliveries = Table(
    "broadcast_deliveries",
    metadata,
    Column("id", ID, primary_key=True),
    Column("broadcast_id", ID, ForeignKey("institution_broadcasts.id"), nullable=False),
    Column("institution_id", ID, ForeignKey("institutions.id"), nullable=False),
    Column("endpoint", String(500)),
    Column("status", EnumText(DeliveryStatus), nullable=False),
    Column("updated_at", utc(), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("last_error", String(300)),
    Column("delivered_at", utc()),
    Column("version", Integer, nullable=False),
    Index("ix_broadcast_deliveries_broadcast", "broadcast_id"),
)

institution_subscriptions = Table(
    "institution_subscriptions",
    metadata,
    Column("id", String(64), primary_key=True),  # the provider's
    Column("institution_id", ID, ForeignKey("institutions.id"), nullable=False),
    Column("provider", String(16), nullable=False),
    Column("plan", String(40), nullable=False),
    Column("status", EnumText(SubscriptionStatus), nullable=False),
    Column("cancel_at_period_end", Boolean, nullable=False),
    Column("current_period_end", utc()),
    Column("updated_at", utc(), nullable=False),
    Column("version", Integer, nullable=False),
    Index("ix_institution_subscriptions_institution", "institution_id", "updated_at"),
)

class InvoiceLines(TypeDecorator[tuple[InvoiceLine, ...]]):
    impl = JSON
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> list[dict[str, Any]] | None:
        return None if value is None else [
            {"kind": line.kind.value, "description": line.description,
             "quantity": line.quantity, "unit_amount": line.unit_amount} for line in value]

    def process_result_value(self, value: Any, dialect: Dialect
                             ) -> tuple[InvoiceLine, ...] | None:
        return None if value is None else tuple(
            InvoiceLine(LineKind(line["kind"]), line["description"], line["quantity"],
                        line["unit_amount"]) for line in value)


institution_invoices = Table(
    "institution_invoices",
    metadata,
    Column("id", ID, primary_key=True),
    Column("institution_id", ID, ForeignKey("institutions.id"), nullable=False),
    Column("period", String(7), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("lines", InvoiceLines, nullable=False),
    Column("created_at", utc(), nullable=False),
    Column("status", EnumText(InvoiceStatus), nullable=False),
    Column("provider_invoice_id", String(64)),
    Column("hosted_url", String(500)),
    Column("issued_at", utc()),
    Column("paid_at", utc()),
    Column("paid_amount", BigInteger),
    Column("payment_method_type", String(40)),
    Column("payment_intent_id", String(64)),
    Column("failed_attempts", TextList, nullable=False, default=list),
    Column("version", Integer, nullable=False),
    # Exactly one invoice per institution and period, whatever runs at once.
    Index("uq_institution_invoices_period", "institution_id", "period", unique=True),
    Index("ix_institution_invoices_provider", "provider_invoice_id"),
)

invoice_reminders = Table(
    "invoice_reminders",
    metadata,
    # Each step of the ladder once per invoice.
    Column("invoice_id", ID, ForeignKey("institution_invoices.id"), primary_key=True),
    Column("step", Integer, primary_key=True),  # days past due
    Column("sent_at", utc(), nullable=False),
)

invoice_runs = Table(
    "invoice_runs",
    metadata,
    Column("period", String(7), primary_key=True),
    Column("completed_at", utc(), nullable=False),
)


class SqlInstitutionRepository(TrackedRepository[Institution]):
    kind = Institution

    def by_domain(self, domain: str) -> Institution | None:
        return self._one(select(Institution).where(institutions.c.domain == domain))

    def active_after(self, institution_id: str, limit: int) -> list[Institution]:
        c = institutions.c
        return self._all(select(Institution).where(
            c.status == InstitutionStatus.ACTIVE, c.id > institution_id).order_by(c.id)
            .limit(limit))

    def unmeasured_since(self, since: datetime, after_id: str,
                         limit: int) -> list[Institution]:
        c = institutions.c
        return self._all(select(Institution).where(
            c.status == InstitutionStatus.ACTIVE, c.id > after_id,
            or_(c.stored_at.is_(None), c.stored_at < since)).order_by(c.id).limit(limit))

    def active_domains(self) -> dict[str, str]:
        c = institutions.c
        rows = self.session.execute(select(c.domain, c.id).where(
            c.status == InstitutionStatus.ACTIVE))
        return {str(domain): str(institution_id) for domain, institution_id in rows}

    def page(self, status: InstitutionStatus | None, offset: int,
             limit: int) -> tuple[list[Institution], int]:
        c = institutions.c
        where = [] if status is None else [c.status == status]
        total = int(self.session.scalar(select(func.count()).select_from(institutions)
                                        .where(*where)) or 0)
        return self._all(select(Institution).where(*where).order_by(c.name, c.id)
                         .offset(offset).limit(limit)), total


class SqlInstitutionAdmins:
    def __init__(self, session: Session) -> None:
        self.session = session

    def assign(self, user_id: str, institution_id: str) -> None:
        self.session.execute(delete(institution_admins).where(
            institution_admins.c.user_id == user_id))
        self.session.execute(insert(institution_admins).values(
            user_id=user_id, institution_id=institution_id))

    def remove(self, user_id: str, institution_id: str) -> bool:
        c = institution_admins.c
        gone = self.session.execute(delete(institution_admins).where(
            c.user_id == user_id, c.institution_id == institution_id))
        return bool(gone.rowcount)  # type: ignore[attr-defined]

    def institution_of(self, user_id: str) -> str | None:
        c = institution_admins.c
        found: str | None = self.session.scalar(select(c.institution_id).where(
            c.user_id == user_id))
        return found

    def of_institution(self, institution_id: str) -> list[str]:
        c = institution_admins.c
        return list(self.session.scalars(select(c.user_id).where(
            c.institution_id == institution_id).order_by(c.user_id)))


class SqlActivityLog:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add_once(self, activity: Activity) -> None:
        a = activity
        self.session.execute(dialect_insert(self.session)(institution_activity).values(
            id=a.id[:200], institution_id=a.institution_id, kind=a.kind,
            description=a.description[:300], actor_id=a.actor_id, at=a.at,
            details=dict(a.details)).on_conflict_do_nothing(index_elements=["id"]))

    def of_institution(self, institution_id: str, limit: int) -> list[Activity]:
        c = institution_activity.c
        rows = self.session.execute(select(institution_activity).where(
            c.institution_id == institution_id).order_by(c.at.desc(), c.id.desc()).limit(limit))
        return [Activity(r.id, r.institution_id, r.kind, r.description, r.actor_id, r.at,
                         r.details) for r in rows]


class SqlAlertRepository(TrackedRepository[Alert]):
    kind = Alert

    def by_reference(self, institution_id: str, reference: str) -> Alert | None:
        c = institution_alerts.c
        return self._one(select(Alert).where(c.institution_id == institution_id,
                                             c.reference == reference))

    def page(self, institution_id: str | None, acknowledged: bool | None,
             limit: int) -> list[Alert]:
        c = institution_alerts.c
        where = [] if institution_id is None else [c.institution_id == institution_id]
        if acknowledged is not None:
            where.append(c.acknowledged_at.is_not(None) if acknowledged
                         else c.acknowledged_at.is_(None))
        return self._all(select(Alert).where(*where).order_by(c.raised_at.desc(), c.id)
                         .limit(limit))


class SqlBroadcastRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, broadcast: Broadcast) -> None:
        b = broadcast
        self.session.execute(insert(institution_broadcasts).values(
            id=b.id, kind=b.kind, title=b.title, message=b.message,
            scheduled_at=b.scheduled_at, created_at=b.created_at, created_by=b.created_by))

    def get(self, broadcast_id: str) -> Broadcast | None:
        row = self.session.execute(select(institution_broadcasts).where(
            institution_broadcasts.c.id == broadcast_id)).first()
        return None if row is None else _broadcast(row)

    def latest(self, limit: int) -> list[Broadcast]:
        c = institution_broadcasts.c
        return [_broadcast(row) for row in self.session.execute(
            select(institution_broadcasts).order_by(c.created_at.desc(), c.id).limit(limit))]


def _broadcast(row: Any) -> Broadcast:
    return Broadcast(row.id, row.kind, row.title, row.message, row.scheduled_at,
                     row.created_at, row.created_by)


class SqlDeliveryRepository(TrackedRepository[BroadcastDelivery]):
    kind = BroadcastDelivery

    def of_broadcast(self, broadcast_id: str) -> list[BroadcastDelivery]:
        c = broadcast_deliveries.c
        return self._all(select(BroadcastDelivery).where(c.broadcast_id == broadcast_id)
                         .order_by(c.institution_id))


class SqlSubscriptionRepository(TrackedRepository[Subscription]):
    kind = Subscription

    def current_of(self, institution_id: str) -> Subscription | None:
        c = institution_subscriptions.c
        return self._one(select(Subscription).where(c.institution_id == institution_id)
                         .order_by(c.updated_at.desc(), c.id).limit(1))

    def lapsed(self, provider: str, now: datetime, limit: int) -> list[Subscription]:
        c = institution_subscriptions.c
        return self._all(select(Subscription).where(
            c.provider == provider, c.status.not_in(sorted(ENDED)),
            c.current_period_end <= now).order_by(c.current_period_end, c.id).limit(limit))


class SqlInvoiceRepository(TrackedRepository[Invoice]):
    kind = Invoice

    def of_period_for(self, institution_ids: list[str], period: str) -> list[Invoice]:
        c = institution_invoices.c
        return self._all(select(Invoice).where(c.institution_id.in_(institution_ids),
                                               c.period == period))

    def by_provider_id(self, provider_invoice_id: str) -> Invoice | None:
        return self._one(select(Invoice).where(
            institution_invoices.c.provider_invoice_id == provider_invoice_id))

    def of_institution(self, institution_id: str, limit: int) -> list[Invoice]:
        c = institution_invoices.c
        return self._all(select(Invoice).where(c.institution_id == institution_id)
                         .order_by(c.period.desc()).limit(limit))

    def unpaid_issued_before(self, before: datetime, after_id: str,
                             limit: int) -> list[Invoice]:
        c = institution_invoices.c
        return self._all(select(Invoice).where(
            c.status.in_([InvoiceStatus.OPEN, InvoiceStatus.PAYMENT_FAILED]),
            c.issued_at < before, c.id > after_id).order_by(c.id).limit(limit))

    def unpaid_of(self, institution_id: str) -> int:
        self.session.flush()
        c = institution_invoices.c
        return int(self.session.scalar(select(func.count()).where(
            c.institution_id == institution_id,
            c.status.in_([InvoiceStatus.OPEN, InvoiceStatus.PAYMENT_FAILED]))) or 0)


class SqlReminders:
    def __init__(self, session: Session) -> None:
        self.session = session

    def take(self, invoice_id: str, step: int, at: datetime) -> bool:
        # RETURNING, not rowcount: psycopg counts a skipped row of ON CONFLICT DO NOTHING.
        taken = self.session.execute(dialect_insert(self.session)(invoice_reminders).values(
            invoice_id=invoice_id, step=step, sent_at=at).on_conflict_do_nothing(
            index_elements=["invoice_id", "step"]).returning(invoice_reminders.c.step))
        return taken.first() is not None


class SqlInvoiceRuns:
    def __init__(self, session: Session) -> None:
        self.session = session

    def completed(self, period: str) -> bool:
        return self.session.scalar(select(invoice_runs.c.period).where(
            invoice_runs.c.period == period)) is not None

    def complete(self, period: str, at: datetime) -> None:
        self.session.execute(dialect_insert(self.session)(invoice_runs).values(
            period=period, completed_at=at).on_conflict_do_nothing(index_elements=["period"]))


def map_institutions(mapper: registry) -> None:
    for cls, table in ((Institution, institutions), (Alert, institution_alerts),
                       (BroadcastDelivery, broadcast_deliveries),
                       (Subscription, institution_subscriptions),
                       (Invoice, institution_invoices)):
        mapper.map_imperatively(cls, table, version_id_col=table.c.version,
                                version_id_generator=False)


class SqlInstitutionsUnitOfWork(SqlUnitOfWork):
    repositories: ClassVar[Mapping[str, Callable[[SqlUnitOfWork], Any]]] = {
        "institutions": lambda uow: SqlInstitutionRepository(uow.session, uow.tracker),
        "admins": lambda uow: SqlInstitutionAdmins(uow.session),
        "activity": lambda uow: SqlActivityLog(uow.session),
        "alerts": lambda uow: SqlAlertRepository(uow.session, uow.tracker),
        "broadcasts": lambda uow: SqlBroadcastRepository(uow.session),
        "deliveries": lambda uow: SqlDeliveryRepository(uow.session, uow.tracker),
        "subscriptions": lambda uow: SqlSubscriptionRepository(uow.session, uow.tracker),
        "invoices": lambda uow: SqlInvoiceRepository(uow.session, uow.tracker),
        "invoice_runs": lambda uow: SqlInvoiceRuns(uow.session),
        "reminders": lambda uow: SqlReminders(uow.session),
        "people": lambda uow: UserDirectory(SqlUserRepository(uow.session, uow.tracker)),
        "stored": lambda uow: SqlStorageTotals(uow.session),
        "live": lambda uow: SqlLiveMinutes(uow.session),
        "audit": audit_log,
    }
