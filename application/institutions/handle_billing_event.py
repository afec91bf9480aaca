from __future__ import annotations

from application.institutions.record_invoice_payment import EVENTS as INVOICE_EVENTS
from application.institutions.record_invoice_payment import RecordInvoicePayment
from application.institutions.sync_subscription import SyncSubscription
from application.shared.ports import WebhookEvent


class HandleBillingEvent:
    """The billing endpoint's events, each to the use case it is about."""

    def __init__(self, subscriptions: SyncSubscription, payments: RecordInvoicePayment) -> None:
        self.subscriptions, self.payments = subscriptions, payments

    def __call__(self, event: WebhookEvent) -> str:
        if event.event_type in INVOICE_EVENTS:
            return self.payments(event)
        return self.subscriptions(event)
