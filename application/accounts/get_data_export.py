"""A person downloads their export: only its owner, only until it expires."""

from __future__ import annotations

from dataclasses import dataclass

from application.accounts.personal_data import DataExportView, PrivacyUnitOfWork, view_of
from application.shared.audit import Auditor
from application.shared.ports import Clock, Principal
from domain.accounts.personal_data import ExportStatus
from domain.shared.errors import NotFound


@dataclass(frozen=True)
class GetDataExportQuery:
    actor: Principal
    export_id: str


@dataclass(frozen=True)
class DataExportDownload:
    export: DataExportView
    document: str | None  # the JSON document once ready; None while it is being built


class GetDataExport:
    """Someone else's export is unknown to the caller; an expired one is gone."""

    def __init__(self, uow: PrivacyUnitOfWork, clock: Clock, auditor: Auditor) -> None:
        self.uow, self.clock, self.auditor = uow, clock, auditor

    def __call__(self, query: GetDataExportQuery) -> DataExportDownload:
        with self.uow:
            export = self.uow.exports.get(query.export_id)
            if export is None or export.user_id != query.actor.user_id:
                raise NotFound("no such data export")
            if export.has_expired(self.clock.now()):
                raise NotFound("this data export has expired; ask for a new one")
            document = None
            if export.status is ExportStatus.READY:
                document = self.uow.exports.document(export.id)
                if document is None:  # purged between the two reads
                    raise NotFound("this data export has expired; ask for a new one")
                self.auditor.record(self.uow, query.actor.user_id, "personal_data.downloaded",
                                    "data_export", export.id)
                self.uow.commit()
        return DataExportDownload(view_of(export), document)
