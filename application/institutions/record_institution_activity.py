"""The activity record of what a platform admin did to an institution (an outbox handler on
its creation, changes and deactivation, retried on its own; recorded once per event)."""

from __future__ import annotations

from application.institutions.ports import InstitutionsUnitOfWork
from application.shared.ports import Clock
from domain.institutions.activity import Activity, ActivityKind
from domain.institutions.events import (
    InstitutionCreated,
    InstitutionDeactivated,
    InstitutionEvent,
    InstitutionUpdated,
)
from domain.shared.events import Event


def _describe(event: InstitutionEvent) -> tuple[ActivityKind, str, dict[str, object]]:
    if isinstance(event, InstitutionUpdated):
        names = ", ".join(sorted(event.changed))
        return ActivityKind.UPDATED, f"Changed: {names}", {"changed": event.changed}
    if isinstance(event, InstitutionDeactivated):
        return ActivityKind.DEACTIVATED, "Institution deactivated", {}
    return ActivityKind.CREATED, "Institution created", {}


class RecordInstitutionActivity:
    def __init__(self, uow: InstitutionsUnitOfWork, clock: Clock) -> None:
        self.uow, self.clock = uow, clock

    def __call__(self, event: Event, idempotency_key: str) -> None:
        if not isinstance(event, InstitutionCreated | InstitutionUpdated | InstitutionDeactivated):
            raise TypeError(f"RecordInstitutionActivity handles institutions, not {event.name}")
        kind, description, details = _describe(event)
        with self.uow:
            self.uow.activity.add_once(Activity(idempotency_key, event.institution_id, kind,
                                                description, event.actor_id, self.clock.now(),
                                                details))
            self.uow.commit()
