"""The whole schema in one namespace (migrations, tests): every area's tables on one
metadata. Each table is defined in its area's module."""

from __future__ import annotations

from adapters.outbound.persistence.accounts import (
    login_attempts,
    refresh_tokens,
    used_tokens,
    users,
)
from adapters.outbound.persistence.catalog import (
    course_revenue,
    course_stats,
    courses,
    enrollments,
    lessons,
)
from adapters.outbound.persistence.files import playback_grants, stored_files
from adapters.outbound.persistence.live import (
    credit_balances,
    credit_entries,
    live_participants,
    live_presences,
    live_sessions,
)
from adapters.outbound.persistence.messaging import (
    message_deliveries,
    notification_preferences,
    notifications,
    suppressions,
)
from adapters.outbound.persistence.payments import (
    checkout_holds,
    order_lines,
    orders,
    payments,
    refunds,
    sandbox_events,
    sandbox_payments,
)
from adapters.outbound.persistence.privacy.exports import data_exports
from adapters.outbound.persistence.schema import metadata
from adapters.outbound.persistence.shared import (
    audit_log,
    idempotency_keys,
    outbox,
    outbox_handled,
    webhook_events,
)

__all__ = [
    "audit_log",
    "checkout_holds",
    "course_revenue",
    "course_stats",
    "courses",
    "credit_balances",
    "credit_entries",
    "data_exports",
    "enrollments",
    "idempotency_keys",
    "lessons",
    "live_participants",
    "live_presences",
    "live_sessions",
    "login_attempts",
    "message_deliveries",
    "metadata",
    "notification_preferences",
    "notifications",
    "order_lines",
    "orders",
    "outbox",
    "outbox_handled",
    "payments",
    "playback_grants",
    "refresh_tokens",
    "refunds",
    "sandbox_events",
    "sandbox_payments",
    "stored_files",
    "suppressions",
    "used_tokens",
    "users",
    "webhook_events",
]
