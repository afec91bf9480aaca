from __future__ import annotations

from dataclasses import dataclass

from application.files.ports import FilesUnitOfWork
from application.shared.ports import Principal
from domain.files.model import OwnerKind
from domain.shared.errors import PermissionDenied
from domain.shared.roles import Role


@dataclass(frozen=True)
class GetStorageUsageQuery:
    actor: Principal
    owner_kind: OwnerKind = OwnerKind.USER
    owner_id: str | None = None  # None: the actor


@dataclass(frozen=True)
class StorageUsage:
    owner_kind: OwnerKind
    owner_id: str
    bytes: int  # of files checked and kept (ready or in use)
    files: int


class GetStorageUsage:
    """What an owner stores, summed from the file records: a person sees their own, an
    administrator anyone's (an institution's, for its quota)."""

    def __init__(self, uow: FilesUnitOfWork) -> None:
        self.uow = uow

    def __call__(self, query: GetStorageUsageQuery) -> StorageUsage:
        owner_id = query.owner_id or query.actor.user_id
        mine = query.owner_kind == OwnerKind.USER and owner_id == query.actor.user_id
        if not mine and query.actor.role != Role.PLATFORM_ADMIN:
            raise PermissionDenied("only an administrator sees another owner's storage")
        with self.uow:
            stored, count = self.uow.queries.bytes_stored(query.owner_kind, owner_id)
        return StorageUsage(query.owner_kind, owner_id, stored, count)
