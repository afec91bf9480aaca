"""Every area's section, listed in one place (as ``orm.AREA_MAPPINGS`` lists the mappings),
and the unit of work that builds them over its transaction. A new area with a table that
holds a person adds its section here; ``tests/integration/privacy`` fails until it does."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from sqlalchemy.orm import Session

from adapters.outbound.persistence.accounts import SqlLoginAttempts, SqlUserRepository
from adapters.outbound.persistence.privacy.accounts import AccountsPersonalData
from adapters.outbound.persistence.privacy.career import CareerPersonalData
from adapters.outbound.persistence.privacy.catalog import CatalogPersonalData
from adapters.outbound.persistence.privacy.exports import SqlDataExports
from adapters.outbound.persistence.privacy.files import FilesPersonalData
from adapters.outbound.persistence.privacy.identity import IdentityPersonalData
from adapters.outbound.persistence.privacy.institutions import InstitutionsPersonalData
from adapters.outbound.persistence.privacy.kernel import KernelPersonalData
from adapters.outbound.persistence.privacy.live import LivePersonalData
from adapters.outbound.persistence.privacy.messaging import MessagingPersonalData
from adapters.outbound.persistence.privacy.payments import PaymentsPersonalData
from adapters.outbound.persistence.unit_of_work import SqlUnitOfWork, audit_log
from application.shared.privacy import PersonalData

SECTIONS: tuple[Callable[[Session], PersonalData], ...] = (
    AccountsPersonalData, CatalogPersonalData, PaymentsPersonalData, MessagingPersonalData,
    LivePersonalData, FilesPersonalData, IdentityPersonalData, CareerPersonalData,
    InstitutionsPersonalData, KernelPersonalData)


class SqlPrivacyUnitOfWork(SqlUnitOfWork):
    repositories: ClassVar[Mapping[str, Callable[[SqlUnitOfWork], Any]]] = {
        "users": lambda uow: SqlUserRepository(uow.session, uow.tracker),
        "login_attempts": lambda uow: SqlLoginAttempts(uow.session),
        "exports": lambda uow: SqlDataExports(uow.session),
        "personal_data": lambda uow: tuple(section(uow.session) for section in SECTIONS),
        "audit": audit_log,
    }
