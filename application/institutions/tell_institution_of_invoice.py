"""An institution is sent its invoice, told when paying it failed, and reminded when it is
overdue (an outbox handler on ``InvoiceGenerated``, ``InvoicePaymentFailed`` and
``InvoiceOverdue``): an email to its primary address with the total and where to pay."""

from __future__ import annotations

from application.institutions.institutions import primary_recipient
from application.institutions.ports import InstitutionsUnitOfWork
from application.messaging.published import Notice, Notifier
from application.shared.config import Links
from domain.institutions.events import InvoiceGenerated, InvoiceOverdue, InvoicePaymentFailed
from domain.shared.events import Event
from domain.shared.money import Money


class TellInstitutionOfInvoice:
    def __init__(self, uow: InstitutionsUnitOfWork, notifier: Notifier, links: Links) -> None:
        self.uow, self.notifier, self.links = uow, notifier, links

    def __call__(self, event: Event, idempotency_key: str) -> None:
        if not isinstance(event, InvoiceGenerated | InvoicePaymentFailed | InvoiceOverdue):
            raise TypeError(f"TellInstitutionOfInvoice handles invoices, not {event.name}")
        with self.uow.reading():
            invoice = self.uow.invoices.get(event.invoice_id)
            institution = self.uow.institutions.get(event.institution_id)
        if invoice is None or institution is None:
            return
        kind = {InvoiceGenerated: "invoice_generated", InvoiceOverdue: "invoice_overdue",
                InvoicePaymentFailed: "invoice_payment_failed"}[type(event)]
        self.notifier.notify(Notice(
            primary_recipient(institution), kind,
            idempotency_key,
            context={"institution": institution.name, "period": invoice.period,
                     "amount": Money(invoice.total, invoice.currency),
                     "lines": [line.description for line in invoice.lines],
                     "days": getattr(event, "days_past_due", 0),
                     "link": invoice.hosted_url or self.links.to("institution/invoices")},
            data={"invoice_id": invoice.id, "period": invoice.period}))
