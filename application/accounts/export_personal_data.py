"""A person asks for a copy of everything eduport keeps about them (GDPR Art. 15 and 20): the
request is recorded at once, and the document is built after the commit, through the outbox
(``BuildDataExport``), from every area's section in one transaction."""

from __future__ import annotations

import json
from dataclasses import dataclass

from application.accounts.personal_data import (
    DOCUMENT_FORMAT,
    DataExportView,
    PrivacyPolicy,
    PrivacyUnitOfWork,
    person_of,
    view_of,
)
from application.shared.audit import Auditor
from application.shared.ports import Clock, IdGenerator, Principal
from domain.accounts.personal_data import (
    DataExport,
    DataExportReady,
    DataExportRequested,
    ExportStatus,
)
from domain.shared.errors import NotFound
from domain.shared.events import Event


@dataclass(frozen=True)
class ExportPersonalDataCommand:
    actor: Principal


class ExportPersonalData:
    """Records a pending export; while one is being built, asking again answers that one."""

    def __init__(self, uow: PrivacyUnitOfWork, clock: Clock, ids: IdGenerator,
                 auditor: Auditor) -> None:
        self.uow, self.clock, self.ids, self.auditor = uow, clock, ids, auditor

    def __call__(self, cmd: ExportPersonalDataCommand) -> DataExportView:
        user_id = cmd.actor.user_id
        with self.uow:
            if self.uow.users.get(user_id) is None:
                raise NotFound("no such user")
            export = self.uow.exports.pending_of(user_id)
            if export is None:
                export = DataExport(self.ids.new_id(), user_id, self.clock.now())
                self.uow.exports.add(export)
                self.uow.publish(DataExportRequested(export_id=export.id, user_id=user_id))
                self.auditor.record(self.uow, user_id, "personal_data.export_requested",
                                    "data_export", export.id)
                self.uow.commit()
        return view_of(export)


class BuildDataExport:
    """The outbox's handler of ``DataExportRequested``: every section's part, in one
    transaction, becomes one JSON document kept until the export expires. Idempotent: an
    export built already, or whose owner was erased meanwhile, is left as it is."""

    def __init__(self, uow: PrivacyUnitOfWork, clock: Clock, policy: PrivacyPolicy,
                 auditor: Auditor) -> None:
        self.uow, self.clock, self.policy, self.auditor = uow, clock, policy, auditor

    def __call__(self, event: Event, idempotency_key: str) -> None:
        if not isinstance(event, DataExportRequested):
            raise TypeError(f"BuildDataExport handles export requests, not {event.name}")
        now = self.clock.now()
        with self.uow:
            export = self.uow.exports.get(event.export_id)
            user = self.uow.users.get(event.user_id)
            if export is None or export.status is not ExportStatus.PENDING or user is None \
                    or user.is_erased:
                return
            person = person_of(user)
            document = {"format": DOCUMENT_FORMAT, "user_id": user.id,
                        "generated_at": now.isoformat(),
                        "sections": {s.name: s.export(person) for s in self.uow.personal_data}}
            ready = export.ready(now, now + self.policy.export_ttl)
            self.uow.exports.complete(ready, json.dumps(document, ensure_ascii=False))
            self.uow.publish(DataExportReady(export_id=ready.id, user_id=user.id))
            self.auditor.record(self.uow, None, "personal_data.exported", "data_export",
                                ready.id, user_id=user.id)
            self.uow.commit()
