from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from application.institutions.config import InstitutionsPolicy
from application.institutions.generate_invoices import GenerateInvoices
from application.institutions.ports import InstitutionsUnitOfWork
from application.shared.jobs import Job
from application.shared.ports import Clock
from domain.institutions.invoices import previous_period


class GenerateDueInvoices:
    """Runs on the cron: once a month is over in the billing time zone (the 1st at 00:00),
    its invoices are generated; the month is marked done once every institution has its
    invoice, and until then each run carries on where the last stopped."""

    def __init__(self, uow: InstitutionsUnitOfWork, generate: GenerateInvoices,
                 policy: InstitutionsPolicy, clock: Clock) -> None:
        self.uow, self.generate, self.policy, self.clock = uow, generate, policy, clock

    def __call__(self) -> int:
        now = self.clock.now()
        period = previous_period(now.astimezone(ZoneInfo(self.policy.invoice_time_zone)).date())
        with self.uow.reading():
            if self.uow.invoice_runs.completed(period):
                return 0
        run = self.generate(period)
        if not run.failed:
            with self.uow:
                self.uow.invoice_runs.complete(period, now)
                self.uow.commit()
        return run.invoiced


GENERATE_DUE_INVOICES = Job("generate_invoices", GenerateDueInvoices,
                            every=timedelta(hours=1))
