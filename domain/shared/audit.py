"""Append-only records of security-relevant actions."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class AuditRecord:
    id: str
    actor_id: str | None
    action: str
    object_type: str
    object_id: str | None
    occurred_at: datetime
    details: dict[str, Any] = field(default_factory=dict)
    # Where the action came from, when it came in a request: the signed-in actor's role,
    # the client's address (behind the configured proxies) and its user agent.
    actor_role: str | None = None
    client_ip: str | None = None
    user_agent: str | None = None


@dataclass(frozen=True)
class AuditFilter:
    """Which records an admin asks for; every part optional. ``since`` is inclusive,
    ``before`` exclusive."""

    actor_id: str | None = None
    action: str | None = None
    object_type: str | None = None
    object_id: str | None = None
    since: datetime | None = None
    before: datetime | None = None
