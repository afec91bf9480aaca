from __future__ import annotations

from datetime import UTC, timedelta
from zoneinfo import ZoneInfo

from application.institutions.config import InstitutionsPolicy
from application.institutions.ports import InstitutionsUnitOfWork
from application.shared.jobs import Job
from application.shared.ports import Clock, IdGenerator
from domain.institutions.alerts import Alert, AlertSeverity, AlertSource
from domain.institutions.members import by_institution

BATCH = 500
MEASURE_FROM_HOUR = 2  # the seed's 02:00, in the billing time zone


class MeasureStorageUse:
    """Runs on the cron: from 02:00 in the billing time zone, each active institution not
    measured since is given what eduport stores for it (its own files and its people's,
    read once a run), a page of institutions to a transaction. Crossing the warning share
    of the quota raises an alert and ``StorageQuotaExceeded`` (the warning email)."""

    def __init__(self, uow: InstitutionsUnitOfWork, policy: InstitutionsPolicy, clock: Clock,
                 ids: IdGenerator) -> None:
        self.uow, self.policy, self.clock, self.ids = uow, policy, clock, ids

    def __call__(self) -> int:
        now = self.clock.now()
        local = now.astimezone(ZoneInfo(self.policy.invoice_time_zone))
        if local.hour < MEASURE_FROM_HOUR:
            return 0
        since = local.replace(hour=MEASURE_FROM_HOUR, minute=0, second=0,
                              microsecond=0).astimezone(UTC)
        with self.uow.reading():
            if not self.uow.institutions.unmeasured_since(since, "", 1):
                return 0
            totals = self.uow.stored.totals()
            members = by_institution(totals.by_email_domain,
                                     self.uow.institutions.active_domains())
        warned, after = 0, ""
        while True:
            with self.uow:
                page = self.uow.institutions.unmeasured_since(since, after, BATCH)
                for institution in page:
                    stored = (totals.by_institution.get(institution.id, 0)
                              + members.get(institution.id, 0))
                    percent = institution.measure_storage(
                        stored, self.policy.storage_warning_percent, now)
                    if percent is not None:
                        warned += 1
                        self.uow.alerts.add(Alert.raise_(
                            self.ids.new_id(), institution.id, "storage_quota",
                            AlertSeverity.HIGH, f"Storage usage at {percent}%",
                            AlertSource.PLATFORM, f"storage_quota:{local.date()}", now))
                self.uow.commit()
            if not page:
                return warned
            after = page[-1].id


MEASURE_STORAGE_USE = Job("measure_storage_use", MeasureStorageUse, every=timedelta(hours=1))
