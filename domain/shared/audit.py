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
