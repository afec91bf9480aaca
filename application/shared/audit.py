"""Writes audit records inside the caller's unit of work, so they commit with the change; a
record made while serving a request carries where it came from."""

from __future__ import annotations

from typing import Any

from application.shared.ports import AuditedUnitOfWork, Clock, IdGenerator, OriginSource
from domain.shared.audit import AuditRecord


class Auditor:
    def __init__(self, clock: Clock, ids: IdGenerator, origin: OriginSource) -> None:
        self.clock, self.ids, self.origin = clock, ids, origin

    def record(
        self, uow: AuditedUnitOfWork, actor_id: str | None, action: str, object_type: str,
        object_id: str | None, **details: Any,
    ) -> None:
        origin = self.origin.current()
        uow.audit.append(AuditRecord(
            self.ids.new_id(), actor_id, action, object_type, object_id, self.clock.now(),
            details, actor_role=origin.actor_role if origin else None,
            client_ip=origin.client_ip if origin else None,
            user_agent=origin.user_agent if origin else None))
