from __future__ import annotations

from dataclasses import dataclass

from application.live.consultation_views import ConsultationView, describe_consultation
from application.live.ports import LiveUnitOfWork
from application.shared.ports import Principal


@dataclass(frozen=True)
class ListMyConsultationsQuery:
    actor: Principal
    limit: int = 50


class ListMyConsultations:
    """The consultations the caller took or gave, latest first."""

    def __init__(self, uow: LiveUnitOfWork) -> None:
        self.uow = uow

    def __call__(self, query: ListMyConsultationsQuery) -> list[ConsultationView]:
        with self.uow:
            return [describe_consultation(c) for c in
                    self.uow.consultations.of_person(query.actor.user_id, query.limit)]
