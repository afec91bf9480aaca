"""Writes audit records inside the caller's unit of work, so they commit with the change."""

from __future__ import annotations

from typing import Any

from application.shared.ports import AuditedUnitOfWork, Clock, IdGenerator
from domain.shared.audit import AuditRecord


class Auditor:
    def __init__(self, clock: Clock, ids: IdGenerator) -> None:
        self.clock, self.ids = clock, ids

    def record(
        self, uow: AuditedUnitOfWork, actor_id: str | None, action: str, object_type: str,
        object_id: str | None, **details: Any,
    ) -> None:
        uow.audit.append(AuditRecord(self.ids.new_id(), actor_id, action, object_type,
                                     object_id, self.clock.now(), details))
