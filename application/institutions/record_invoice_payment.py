"""Stripe's ``invoice.payment_succeeded`` and ``invoice.payment_failed`` (through the shared
inbox, on the billing endpoint): the invoice is marked paid with how it was paid, or
failed; a failure raises an alert for the platform's admins and the institution is told
(``InvoicePaymentFailed``)."""

from __future__ import annotations

from application.institutions.ports import InstitutionsUnitOfWork, InvoicePayments
from application.shared.ports import Clock, IdGenerator, WebhookEvent
from domain.institutions.alerts import Alert, AlertSeverity, AlertSource
from domain.institutions.invoices import Invoice

EVENTS = frozenset({"invoice.payment_succeeded", "invoice.payment_failed"})


class RecordInvoicePayment:
    def __init__(self, uow: InstitutionsUnitOfWork, payments: InvoicePayments, clock: Clock,
                 ids: IdGenerator) -> None:
        self.uow, self.payments, self.clock, self.ids = uow, payments, clock, ids

    def __call__(self, event: WebhookEvent) -> str:
        obj = (event.payload.get("data") or {}).get("object") or {}
        if event.event_type not in EVENTS or not isinstance(obj.get("id"), str):
            return "ignored"
        succeeded = event.event_type == "invoice.payment_succeeded"
        payment = self.payments.payment_of(obj["id"]) if succeeded else None
        with self.uow:
            invoice = self.uow.invoices.by_provider_id(obj["id"])
            if invoice is None:
                return "ignored: not an institution's invoice"
            if succeeded:
                invoice.paid(payment.amount if payment else int(obj.get("amount_paid") or 0),
                             payment.method_type if payment else None,
                             payment.payment_intent_id if payment else None, self.clock.now())
                self._settled(invoice.institution_id)
            elif invoice.payment_failed(event.event_id, self.clock.now()):
                self.uow.alerts.add(self._alert(invoice, event.event_id))
            self.uow.commit()
        return f"invoice {invoice.status.value}"

    def _alert(self, invoice: Invoice, reference: str) -> Alert:
        return Alert.raise_(self.ids.new_id(), invoice.institution_id, "payment_failed",
                            AlertSeverity.HIGH, f"Payment of the {invoice.period} invoice "
                            "failed", AlertSource.PLATFORM, reference, self.clock.now())

    def _settled(self, institution_id: str) -> None:
        """An institution flagged past due is cleared once nothing is left unpaid."""
        institution = self.uow.institutions.get(institution_id)
        if institution is not None and self.uow.invoices.unpaid_of(institution_id) == 0:
            institution.clear_past_due()
