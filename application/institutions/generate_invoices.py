from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from application.institutions.config import InstitutionsPolicy
from application.institutions.ports import InstitutionsUnitOfWork, Invoicing
from application.shared.errors import DeliveryFailed
from application.shared.ports import Clock, IdGenerator
from domain.institutions.invoices import (
    Invoice,
    InvoiceStatus,
    check_period,
    period_lines,
    period_span,
)
from domain.institutions.members import by_institution
from domain.institutions.model import Institution

BATCH = 500


@dataclass
class InvoiceRun:
    period: str
    invoiced: int = 0
    skipped: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)  # (institution, why)


class GenerateInvoices:
    """Invoices every active institution for a past month, exactly once each: our record
    first, then the provider's invoice under keys from institution, period and line, so a
    rerun (or a run after a crash anywhere) carries on and creates nothing twice. An
    institution that fails is reported and the others go on."""

    def __init__(self, uow: InstitutionsUnitOfWork, invoicing: Invoicing,
                 policy: InstitutionsPolicy, clock: Clock, ids: IdGenerator) -> None:
        self.uow, self.invoicing, self.policy = uow, invoicing, policy
        self.clock, self.ids = clock, ids

    def __call__(self, period: str,
                 progress: Callable[[Institution], None] = lambda _: None) -> InvoiceRun:
        run, after = InvoiceRun(check_period(period, self.clock.now().date())), ""
        minutes = self._live_minutes(period)
        while True:
            with self.uow.reading():
                institutions = self.uow.institutions.active_after(after, BATCH)
            if not institutions:
                return run
            for institution in institutions:
                self._invoice(institution, run, minutes.get(institution.id, 0))
                progress(institution)
            after = institutions[-1].id

    def _live_minutes(self, period: str) -> dict[str, int]:
        """Each institution's minutes of live class in the period, read once a run."""
        start, end = period_span(period, ZoneInfo(self.policy.invoice_time_zone))
        with self.uow.reading():
            return by_institution(self.uow.live.by_teacher_domain(start, end),
                                  self.uow.institutions.active_domains())

    def _invoice(self, institution: Institution, run: InvoiceRun, minutes: int) -> None:
        invoice = self._recorded(institution, run.period, minutes)
        if invoice is None or invoice.status != InvoiceStatus.RECORDED:
            run.skipped += 1  # nothing to bill, or invoiced already
            return
        if institution.billing_customer_id is None:
            run.failed.append((institution.id, "no billing customer yet"))
            return
        try:
            issued = self.invoicing.issue(institution.billing_customer_id, invoice,
                                          f"invoice:{institution.id}:{run.period}")
        except DeliveryFailed as error:
            run.failed.append((institution.id, str(error)))
            return
        with self.uow:
            found = self.uow.invoices.get(invoice.id)
            if found is not None:
                found.issued(issued.provider_invoice_id, issued.hosted_url, self.clock.now())
            self.uow.commit()
        run.invoiced += 1

    def _recorded(self, institution: Institution, period: str,
                  minutes: int) -> Invoice | None:
        with self.uow:
            found = self.uow.invoices.of_period(institution.id, period)
            if found is not None:
                return found
            prices = self.policy.invoice_prices
            lines = period_lines(institution, prices, period, minutes)
            if not lines:
                return None
            invoice = Invoice(self.ids.new_id(), institution.id, period, prices.currency,
                              lines, self.clock.now())
            self.uow.invoices.add(invoice)
            self.uow.commit()
        return invoice
