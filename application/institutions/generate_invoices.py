from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from application.institutions.config import InstitutionsPolicy
from application.institutions.ports import InstitutionsUnitOfWork, Invoicing, IssuedInvoice
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
    """Invoices every active institution for a past month, exactly once each, a page of
    institutions at a time: our records first (one transaction a page), then the
    provider's invoices under keys from institution, period and line, then the page's
    records marked issued; a rerun (or a run after a crash anywhere) carries on and creates
    nothing twice. An institution that fails is reported and the others go on."""

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
                page = self.uow.institutions.active_after(after, BATCH)
            if not page:
                return run
            recorded = self._record(page, period, minutes)
            issued: dict[str, IssuedInvoice] = {}
            for institution in page:
                self._issue(institution, recorded.get(institution.id), run, issued)
                progress(institution)
            self._mark_issued(issued, period)
            run.invoiced += len(issued)
            after = page[-1].id

    def _live_minutes(self, period: str) -> dict[str, int]:
        """Each institution's minutes of live class in the period, read once a run."""
        start, end = period_span(period, ZoneInfo(self.policy.invoice_time_zone))
        with self.uow.reading():
            return by_institution(self.uow.live.by_teacher_domain(start, end),
                                  self.uow.institutions.active_domains())

    def _record(self, page: list[Institution], period: str,
                minutes: dict[str, int]) -> dict[str, Invoice]:
        """The page's invoices of the period, recorded now where there were none."""
        prices = self.policy.invoice_prices
        with self.uow:
            found = {invoice.institution_id: invoice for invoice in
                     self.uow.invoices.of_period_for([i.id for i in page], period)}
            for institution in (i for i in page if i.id not in found):
                lines = period_lines(institution, prices, period, minutes.get(institution.id, 0))
                if lines:
                    found[institution.id] = Invoice(self.ids.new_id(), institution.id, period,
                                                    prices.currency, lines, self.clock.now())
                    self.uow.invoices.add(found[institution.id])
            self.uow.commit()
        return found

    def _issue(self, institution: Institution, invoice: Invoice | None, run: InvoiceRun,
               issued: dict[str, IssuedInvoice]) -> None:
        """Issues a recorded invoice at the provider; ``issued`` gains its answer, by
        institution."""
        if invoice is None or invoice.status != InvoiceStatus.RECORDED:
            run.skipped += 1  # nothing to bill, or invoiced already
            return
        if institution.billing_customer_id is None:
            run.failed.append((institution.id, "no billing customer yet"))
            return
        try:
            issued[institution.id] = self.invoicing.issue(
                institution.billing_customer_id, invoice,
                f"invoice:{institution.id}:{invoice.period}")
        except DeliveryFailed as error:
            run.failed.append((institution.id, str(error)))

    def _mark_issued(self, issued: dict[str, IssuedInvoice], period: str) -> None:
        if not issued:
            return
        with self.uow:
            for invoice in self.uow.invoices.of_period_for(list(issued), period):
                answer = issued[invoice.institution_id]
                invoice.issued(answer.provider_invoice_id, answer.hosted_url, self.clock.now())
            self.uow.commit()
