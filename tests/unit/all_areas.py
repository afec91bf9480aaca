"""One fake unit of work with every area's repositories, for tests that look at several
areas at once (the use cases themselves get their own area's fake, see conftest)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from tests.unit.accounts.fakes import FakeAccountsUnitOfWork
from tests.unit.catalog.fakes import FakeCatalogUnitOfWork
from tests.unit.files.fakes import FakeFilesUnitOfWork
from tests.unit.identity.fakes import FakeIdentityUnitOfWork
from tests.unit.live.fakes import FakeLiveUnitOfWork
from tests.unit.messaging.fakes import FakeMessagingUnitOfWork
from tests.unit.payments.fakes import FakePaymentsUnitOfWork
from tests.unit.shared.fakes import FakeKernelUnitOfWork, FakeUnitOfWorkBase

AREAS = (FakeAccountsUnitOfWork, FakeCatalogUnitOfWork, FakePaymentsUnitOfWork,
         FakeKernelUnitOfWork, FakeMessagingUnitOfWork, FakeLiveUnitOfWork,
         FakeIdentityUnitOfWork,
         FakeFilesUnitOfWork)  # last: its "files" are the records, not the catalog's view


class FakeUnitOfWork(FakeUnitOfWorkBase):
    repositories: ClassVar[Mapping[str, Callable[[Any], Any]]] = {
        name: factory for area in AREAS for name, factory in area.repositories.items()}
    tables: ClassVar[Mapping[type[Any], str]] = {
        kind: table for area in AREAS for kind, table in area.tables.items()}
    unique: ClassVar[Mapping[type[Any], Callable[[Any], tuple[str, ...]]]] = {
        kind: key for area in AREAS for kind, key in area.unique.items()}
