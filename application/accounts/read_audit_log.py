from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from application.accounts.ports import AccountsUnitOfWork
from application.shared.ports import Principal
from domain.shared.audit import AuditRecord
from domain.shared.errors import PermissionDenied
from domain.shared.roles import Role


@dataclass(frozen=True)
class ReadAuditLogQuery:
    actor: Principal
    limit: int
    before: datetime | None = None


class ReadAuditLog:
    def __init__(self, uow: AccountsUnitOfWork) -> None:
        self.uow = uow

    def __call__(self, query: ReadAuditLogQuery) -> list[AuditRecord]:
        if query.actor.role != Role.PLATFORM_ADMIN:
            raise PermissionDenied("only platform admins read the audit log")
        with self.uow:
            return self.uow.audit.list(query.limit, query.before)
