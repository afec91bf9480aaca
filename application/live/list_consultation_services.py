from __future__ import annotations

from dataclasses import dataclass

from application.live.ports import LiveUnitOfWork
from domain.live.consultations import ConsultationService


@dataclass(frozen=True)
class ListConsultationServicesQuery:
    provider_id: str | None = None
    limit: int = 100


class ListConsultationServices:
    """The services on offer (of one provider when asked), newest first."""

    def __init__(self, uow: LiveUnitOfWork) -> None:
        self.uow = uow

    def __call__(self, query: ListConsultationServicesQuery) -> list[ConsultationService]:
        with self.uow:
            return self.uow.services.offered(query.provider_id, query.limit)
