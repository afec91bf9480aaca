"""The catalog area's wiring: its unit of work and its read-side queries."""

from __future__ import annotations

from injector import provider, singleton
from sqlalchemy import Engine

from adapters.outbound.persistence.catalog import SqlCatalogQueries, SqlCatalogUnitOfWork
from adapters.outbound.persistence.database import read_only
from adapters.wiring.area import AreaModule
from application.catalog.ports import CatalogQueries, CatalogUnitOfWork


class CatalogModule(AreaModule):
    unit_of_work = (CatalogUnitOfWork, SqlCatalogUnitOfWork)

    @singleton
    @provider
    def catalog_queries(self, engine: Engine) -> CatalogQueries:
        return SqlCatalogQueries(read_only(engine))
