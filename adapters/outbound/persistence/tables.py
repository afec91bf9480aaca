"""The schema. Alembic migrations are written against these tables; keep both in step."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from domain.accounts import Role
from domain.catalog import CourseStatus
from domain.enrollment import EnrollmentStatus
from domain.payments import OPEN, PaymentStatus

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

ID = String(36)


class UtcDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in and out, also on SQLite, which forgets the zone."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use timezone-aware UTC")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utc() -> UtcDateTime:
    return UtcDateTime()


class EnumText(TypeDecorator[StrEnum]):
    """Stores a ``StrEnum`` as its plain value and gives the enum back on load."""

    impl = String(32)
    cache_ok = True

    def __init__(self, enum: type[StrEnum]) -> None:
        super().__init__()
        self.enum = enum

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        return None if value is None else self.enum(value).value

    def process_result_value(self, value: Any, dialect: Dialect) -> StrEnum | None:
        return None if value is None else self.enum(value)


users = Table(
    "users",
    metadata,
    Column("id", ID, primary_key=True),
    Column("email", String(254), nullable=False, unique=True),
    Column("full_name", String(200), nullable=False),
    Column("role", EnumText(Role), nullable=False),
    Column("password_hash", String(255), nullable=False),
    Column("created_at", utc(), nullable=False),
    Column("email_verified_at", utc()),
    Column("password_changed_at", utc()),
)

courses = Table(
    "courses",
    metadata,
    Column("id", ID, primary_key=True),
    Column("teacher_id", ID, ForeignKey("users.id"), nullable=False, index=True),
    Column("title", String(200), nullable=False),
    Column("slug", String(120), nullable=False, unique=True),
    Column("description", Text, nullable=False),
    Column("price_minor", BigInteger, nullable=False),
    Column("price_currency", String(3), nullable=False),
    Column("thumbnail_key", String(500)),
    Column("status", EnumText(CourseStatus), nullable=False),
    Column("created_at", utc(), nullable=False),
    Column("updated_at", utc(), nullable=False),
    Column("published_at", utc()),
    Column("version", Integer, nullable=False, server_default="1"),
    Index("ix_courses_status_published_at", "status", "published_at"),
)

lessons = Table(
    "lessons",
    metadata,
    Column("id", ID, primary_key=True),
    Column("course_id", ID, ForeignKey("courses.id", ondelete="CASCADE"), nullable=False),
    Column("title", String(200), nullable=False),
    Column("slug", String(120), nullable=False),
    Column("position", Integer, nullable=False),
    Column("is_free_preview", Boolean, nullable=False),
    Column("video_ref", String(500)),
    UniqueConstraint("course_id", "slug", name="uq_lessons_course_id_slug"),
)

course_stats = Table(
    "course_stats",
    metadata,
    Column("course_id", ID, ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True),
    Column("students_count", Integer, nullable=False, default=0),
)

course_revenue = Table(
    "course_revenue",
    metadata,
    Column("course_id", ID, ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True),
    Column("currency", String(3), primary_key=True),
    Column("amount_minor", BigInteger, nullable=False),
)

enrollments = Table(
    "enrollments",
    metadata,
    Column("id", ID, primary_key=True),
    Column("student_id", ID, ForeignKey("users.id"), nullable=False),
    Column("course_id", ID, ForeignKey("courses.id"), nullable=False, index=True),
    Column("enrolled_at", utc(), nullable=False),
    Column("source", String(64), nullable=False),
    Column("status", EnumText(EnrollmentStatus), nullable=False),
    UniqueConstraint("student_id", "course_id", name="uq_enrollments_student_id_course_id"),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", ID, primary_key=True),
    Column("actor_id", ID),
    Column("action", String(64), nullable=False),
    Column("object_type", String(64), nullable=False),
    Column("object_id", String(64)),
    Column("occurred_at", utc(), nullable=False, index=True),
    Column("details", JSON, nullable=False),
)

refresh_tokens = Table(
    "refresh_tokens",
    metadata,
    Column("id", ID, primary_key=True),
    Column("family_id", ID, nullable=False, index=True),
    Column("user_id", ID, ForeignKey("users.id"), nullable=False, index=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", utc(), nullable=False),
    Column("expires_at", utc(), nullable=False),
    Column("used_at", utc()),
    Column("revoked_at", utc()),
)

used_tokens = Table(
    "used_tokens",
    metadata,
    Column("token_id", String(64), primary_key=True),
    Column("purpose", String(32), nullable=False),
    Column("used_at", utc(), nullable=False),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", ID, primary_key=True),
    Column("event_type", String(100), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("occurred_at", utc(), nullable=False),
    Column("processed_at", utc()),
    Column("locked_until", utc()),
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", Text),
    Index("ix_outbox_pending", "processed_at", "occurred_at"),
)

outbox_handled = Table(
    "outbox_handled",
    metadata,
    Column("outbox_id", ID, ForeignKey("outbox.id", ondelete="CASCADE"), primary_key=True),
    Column("handler", String(100), primary_key=True),
)


# --- payments --------------------------------------------------------------------------------

orders = Table(
    "orders",
    metadata,
    Column("id", ID, primary_key=True),
    Column("student_id", ID, ForeignKey("users.id"), nullable=False, index=True),
    Column("currency", String(3), nullable=False),
    Column("created_at", utc(), nullable=False),
)

order_lines = Table(
    "order_lines",
    metadata,
    Column("id", ID, primary_key=True),
    Column("order_id", ID, ForeignKey("orders.id", ondelete="CASCADE"), nullable=False,
           index=True),
    Column("course_id", ID, ForeignKey("courses.id"), nullable=False),
    Column("title", String(200), nullable=False),
    Column("price_minor", BigInteger, nullable=False),
    Column("price_currency", String(3), nullable=False),
)

# The domain's open statuses, in their declared order (the migration froze the same text).
_OPEN_PAYMENT = "status IN ({})".format(
    ", ".join(f"'{status.value}'" for status in PaymentStatus if status in OPEN))

payments = Table(
    "payments",
    metadata,
    Column("id", ID, primary_key=True),
    Column("order_id", ID, ForeignKey("orders.id"), nullable=False, index=True),
    Column("student_id", ID, ForeignKey("users.id"), nullable=False),
    Column("provider", String(32), nullable=False),
    Column("flow", String(32), nullable=False),
    Column("amount_minor", BigInteger, nullable=False),
    Column("amount_currency", String(3), nullable=False),
    Column("order_total_minor", BigInteger, nullable=False),
    Column("order_total_currency", String(3), nullable=False),
    Column("course_set", Text, nullable=False),
    Column("status", EnumText(PaymentStatus), nullable=False),
    Column("provider_reference", String(255)),
    Column("provider_payment_id", String(255)),
    Column("client_secret", String(255)),
    Column("redirect_url", Text),
    Column("expires_at", utc()),
    Column("refunded_minor", BigInteger, nullable=False),
    Column("failure_reason", String(200)),
    Column("rate", String(40)),
    Column("rate_source", String(100)),
    Column("rate_fetched_at", utc()),
    Column("dispute_outcome", String(8)),
    Column("created_at", utc(), nullable=False),
    Column("updated_at", utc(), nullable=False),
    UniqueConstraint("provider", "provider_reference", name="uq_payments_provider_reference"),
    Index("ix_payments_status_updated_at", "status", "updated_at"),
    # At most one open attempt per student and set of courses: never two live charges.
    Index("uq_payments_one_open_attempt", "student_id", "course_set", unique=True,
          sqlite_where=text(_OPEN_PAYMENT), postgresql_where=text(_OPEN_PAYMENT)),
)

refunds = Table(
    "refunds",
    metadata,
    Column("id", ID, primary_key=True),
    Column("payment_id", ID, ForeignKey("payments.id"), nullable=False, index=True),
    Column("amount_minor", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("status", String(16), nullable=False),
    Column("provider_reference", String(255)),
    Column("requested_by", ID, nullable=False),
    Column("reason", String(200)),
    Column("created_at", utc(), nullable=False),
)

webhook_events = Table(
    "webhook_events",
    metadata,
    Column("id", ID, primary_key=True),
    Column("provider", String(32), nullable=False),
    Column("event_id", String(255), nullable=False),
    Column("event_type", String(100), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("received_at", utc(), nullable=False),
    Column("processed_at", utc()),
    Column("locked_until", utc()),
    Column("attempts", Integer, nullable=False),
    Column("last_error", Text),
    Column("outcome", String(200)),
    UniqueConstraint("provider", "event_id", name="uq_webhook_events_provider_event_id"),
    Index("ix_webhook_events_pending", "processed_at", "received_at"),
)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("scope", String(64), primary_key=True),  # the caller: a user id
    Column("key", String(255), primary_key=True),
    Column("request_hash", String(64), nullable=False),
    Column("state", String(16), nullable=False),  # in_flight | done
    Column("response_status", Integer),
    Column("response_body", Text),
    Column("created_at", utc(), nullable=False),
    Column("locked_until", utc()),
)

sandbox_payments = Table(
    "sandbox_payments",
    metadata,
    Column("reference", String(64), primary_key=True),
    Column("idempotency_key", String(255), nullable=False, unique=True),
    Column("payment_id", ID, nullable=False),
    Column("order_id", ID, nullable=False),
    Column("amount_minor", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("payment_method", String(64)),
    Column("status", String(32), nullable=False),
    Column("refunded_minor", BigInteger, nullable=False),
    Column("failure_reason", String(200)),
    Column("created_at", utc(), nullable=False),
)

sandbox_events = Table(
    "sandbox_events",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("reference", String(64), nullable=False, index=True),
    Column("event_type", String(100), nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", utc(), nullable=False),
)
