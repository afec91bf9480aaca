from __future__ import annotations

from dataclasses import dataclass

from application.live.consultation_views import (
    ConsultationView,
    describe_consultation,
    visible_consultation,
)
from application.live.ports import LiveUnitOfWork
from application.shared.ports import Principal


@dataclass(frozen=True)
class GetConsultationQuery:
    actor: Principal
    consultation_id: str


class GetConsultation:
    """One consultation, for its two parties and platform admins: while it runs, what is
    held; once it ended, its bill."""

    def __init__(self, uow: LiveUnitOfWork) -> None:
        self.uow = uow

    def __call__(self, query: GetConsultationQuery) -> ConsultationView:
        with self.uow:
            return describe_consultation(
                visible_consultation(self.uow, query.actor, query.consultation_id))
