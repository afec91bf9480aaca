"""Imperative mapping: the domain's dataclasses stay unaware of SQLAlchemy. Each area maps
its own entities (``map_<area>`` in its persistence module)."""

from __future__ import annotations

import threading

from sqlalchemy.orm import registry

from adapters.outbound.persistence.accounts import map_accounts
from adapters.outbound.persistence.career import map_career
from adapters.outbound.persistence.catalog import map_catalog
from adapters.outbound.persistence.consultations import map_consultations
from adapters.outbound.persistence.files import map_files
from adapters.outbound.persistence.identity import map_identity
from adapters.outbound.persistence.institutions import map_institutions
from adapters.outbound.persistence.live import map_live
from adapters.outbound.persistence.messaging import map_messaging
from adapters.outbound.persistence.payments import map_payments

mapper_registry = registry()
_lock = threading.Lock()
_started = False
AREA_MAPPINGS = (map_accounts, map_catalog, map_payments, map_messaging, map_live, map_files,
                 map_consultations, map_identity, map_career, map_institutions)


def start_mappers() -> None:
    """Maps the entities once per process; later calls do nothing."""
    global _started
    with _lock:
        if _started:
            return
        for map_area in AREA_MAPPINGS:
            map_area(mapper_registry)
        _started = True
