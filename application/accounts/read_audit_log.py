from __future__ import annotations

from dataclasses import dataclass, field

from application.accounts.ports import AccountsUnitOfWork
from application.shared.ports import Principal
from domain.shared.audit import AuditFilter, AuditRecord
from domain.shared.errors import PermissionDenied
from domain.shared.roles import Role


@dataclass(frozen=True)
class ReadAuditLogQuery:
    actor: Principal
    limit: int
    where: AuditFilter = field(default_factory=AuditFilter)


class ReadAuditLog:
    """Platform admins read the audit trail, newest first, filtered by actor, action,
    subject and time."""

    def __init__(self, uow: AccountsUnitOfWork) -> None:
        self.uow = uow

    def __call__(self, query: ReadAuditLogQuery) -> list[AuditRecord]:
        if query.actor.role != Role.PLATFORM_ADMIN:
            raise PermissionDenied("only platform admins read the audit log")
        with self.uow:
            return self.uow.audit.list(query.limit, query.where)
