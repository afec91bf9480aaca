"""The activity trail of an institution, as its admins and the platform's read it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class ActivityKind(StrEnum):
    CREATED = "institution_created"
    UPDATED = "institution_updated"
    DEACTIVATED = "institution_deactivated"
    BILLING_CUSTOMER_CREATED = "billing_customer_created"
    ADMIN_ASSIGNED = "admin_assigned"
    ADMIN_REMOVED = "admin_removed"
    METRIC_UPDATED = "metric_update"
    SIGNING_SECRET_ROTATED = "signing_secret_rotated"  # noqa: S105 (a kind, not a secret)


@dataclass(frozen=True)
class Activity:
    """One thing that happened to an institution; ``actor_id`` is who did it (None: eduport
    itself). ``id`` is the key of what recorded it, so a retried handler records it once."""

    id: str
    institution_id: str
    kind: ActivityKind
    description: str
    actor_id: str | None
    at: datetime
    details: Mapping[str, Any] = field(default_factory=dict)
