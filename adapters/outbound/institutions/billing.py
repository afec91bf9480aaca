"""Billing customers and subscriptions: at Stripe through the official SDK (an idempotency
key from our ids on every creation), or, as the embedded default, kept by eduport itself."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import stripe

from application.institutions.ports import (
    CustomerRequest,
    InvoicePayment,
    IssuedInvoice,
    SubscriptionState,
)
from application.shared.errors import DeliveryFailed
from application.shared.ports import Clock, WebhookAuthenticator, WebhookEvent
from domain.institutions.invoices import Invoice
from domain.institutions.subscriptions import next_period_end
from domain.shared.errors import InvalidValue

log = logging.getLogger(__name__)


class StripeBillingCustomers:
    provider = "stripe"

    def __init__(self, client: stripe.StripeClient) -> None:
        self.client = client

    def create_customer(self, request: CustomerRequest, idempotency_key: str) -> str:
        try:
            customer = self.client.v1.customers.create(
                params={"name": request.name, "email": request.email,
                        "metadata": {"institution_id": request.institution_id}},
                options={"idempotency_key": idempotency_key})
        except stripe.StripeError as error:
            raise _unavailable(error, "create the institution's customer") from error
        if not isinstance(customer.id, str) or not customer.id.startswith("cus_"):
            raise DeliveryFailed("Stripe answered a customer without a customer id")
        return customer.id


def _unavailable(error: stripe.StripeError, action: str) -> DeliveryFailed:
    """Every Stripe failure here is retried: a creation has no user to refuse it to, and a
    refused key or a bad parameter is an operator's to fix (logged at ERROR, no key)."""
    status, request = error.http_status, error.request_id or "none"
    if isinstance(error, stripe.RateLimitError):
        return DeliveryFailed(f"Stripe rate-limited the request to {action}")
    if isinstance(error, stripe.APIConnectionError):
        return DeliveryFailed(f"Stripe could not be reached to {action}")
    if not (status is not None and status >= 500):
        log.error("Stripe refused to %s (HTTP %s, code %s, request %s)", action, status,
                  error.code, request)
    return DeliveryFailed(f"Stripe failed to {action} (HTTP {status}, request {request})")


class LocalBillingCustomers:
    """The embedded default (no billing provider): eduport bills the institution itself
    (invoices by email), so the institution is its own customer, ``local_`` and its id."""

    provider = "local"

    def create_customer(self, request: CustomerRequest, idempotency_key: str) -> str:
        return f"local_{request.institution_id}"


def _state(subscription: Any) -> SubscriptionState:
    """Stripe's subscription (``latest_invoice.confirmation_secret`` expanded on creation)
    as the port's state; the period lives on the items since API 2025-03-31.basil."""
    sub = subscription.to_dict(recursive=True)  # StripeObjects are no dicts since v15
    items = (sub.get("items") or {}).get("data") or [{}]
    end = items[0].get("current_period_end")
    invoice = sub.get("latest_invoice") if isinstance(sub.get("latest_invoice"), dict) else {}
    secret = (invoice.get("confirmation_secret") or {}).get("client_secret")
    currency = invoice.get("currency")
    if not isinstance(sub.get("id"), str) or not isinstance(sub.get("status"), str):
        raise DeliveryFailed("Stripe answered a subscription without an id or status")
    return SubscriptionState(
        sub["id"], sub["status"], bool(sub.get("cancel_at_period_end")),
        datetime.fromtimestamp(end, UTC) if isinstance(end, int) else None,
        (sub.get("metadata") or {}).get("institution_id"),
        secret if isinstance(secret, str) else None,
        invoice.get("amount_due") if isinstance(invoice.get("amount_due"), int) else None,
        currency.upper() if isinstance(currency, str) else None)


class StripeBillingSubscriptions:
    provider = "stripe"

    def __init__(self, client: stripe.StripeClient) -> None:
        self.client = client

    def subscribe(self, customer_id: str, price_id: str, institution_id: str,
                  idempotency_key: str) -> SubscriptionState:
        return self._call("subscribe the institution", lambda: self.client.v1.subscriptions
                          .create(params={
                              "customer": customer_id, "items": [{"price": price_id}],
                              "payment_behavior": "default_incomplete",
                              "expand": ["latest_invoice.confirmation_secret"],
                              "metadata": {"institution_id": institution_id}},
                              options={"idempotency_key": idempotency_key}))

    def cancel(self, provider_id: str, at_period_end: bool) -> SubscriptionState:
        subscriptions = self.client.v1.subscriptions
        if at_period_end:
            return self._call("cancel the subscription", lambda: subscriptions.update(
                provider_id, params={"cancel_at_period_end": True}))
        return self._call("cancel the subscription", lambda: subscriptions.cancel(provider_id))

    def fetch(self, provider_id: str) -> SubscriptionState:
        return self._call("read the subscription",
                          lambda: self.client.v1.subscriptions.retrieve(provider_id))

    @staticmethod
    def _call(action: str, call: Callable[[], Any]) -> SubscriptionState:
        try:
            return _state(call())
        except stripe.InvalidRequestError as error:
            if error.http_status is not None and 400 <= error.http_status < 500 \
                    and error.http_status != 429:
                message = (error.user_message or "").strip()[:200] or "no details"
                raise InvalidValue(f"Stripe refused to {action}: {message}", "plan") from error
            raise _unavailable(error, action) from error
        except stripe.StripeError as error:
            raise _unavailable(error, action) from error


class LocalBillingSubscriptions:
    """The embedded default: eduport bills the institution itself, so a subscription is
    active at once for a month (``RollLocalSubscriptions`` starts the next one) and there is
    nothing for the client to pay now (invoices come by email)."""

    provider = "local"

    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    def subscribe(self, customer_id: str, price_id: str, institution_id: str,
                  idempotency_key: str) -> SubscriptionState:
        digest = hashlib.sha256(idempotency_key.encode()).hexdigest()[:24]
        return SubscriptionState(f"local_sub_{digest}", "active", False,
                                 next_period_end(self.clock.now()), institution_id)

    def cancel(self, provider_id: str, at_period_end: bool) -> SubscriptionState:
        # The period end is eduport's own record's: None here keeps it.
        return SubscriptionState(provider_id, "active" if at_period_end else "canceled",
                                 at_period_end, None)


class RenamedAuthenticator:
    """Stripe's authenticator for a second Stripe endpoint: its events are stored under this
    endpoint's provider name, so the inbox hands them to this endpoint's handler (and a
    delivery to both endpoints is one event each)."""

    def __init__(self, provider: str, inner: WebhookAuthenticator) -> None:
        self.provider, self.inner = provider, inner

    def authenticate(self, headers: Mapping[str, str], body: bytes) -> WebhookEvent:
        return replace(self.inner.authenticate(headers, body), provider=self.provider)


class StripeInvoicing:
    """An invoice at Stripe: a draft with ``auto_advance`` (Stripe emails and chases it),
    an invoice item per line on it, then finalised; each call under its own key."""

    provider = "stripe"

    def __init__(self, client: stripe.StripeClient, days_until_due: int = 30) -> None:
        self.client, self.days_until_due = client, days_until_due

    def issue(self, customer_id: str, invoice: Invoice, key: str) -> IssuedInvoice:
        v1 = self.client.v1
        metadata = {"institution_id": invoice.institution_id, "period": invoice.period,
                    "invoice_id": invoice.id}
        try:
            draft = v1.invoices.create(params={
                "customer": customer_id, "auto_advance": True,
                "collection_method": "send_invoice", "days_until_due": self.days_until_due,
                "pending_invoice_items_behavior": "exclude", "metadata": metadata},
                options={"idempotency_key": f"{key}:invoice"})
            for line in invoice.lines:
                v1.invoice_items.create(params={
                    "customer": customer_id, "invoice": draft.id, "amount": line.amount,
                    "currency": invoice.currency.lower(), "description": line.description,
                    "metadata": {**metadata, "line": line.kind.value}},
                    options={"idempotency_key": f"{key}:line:{line.kind.value}"})
            final = v1.invoices.finalize_invoice(draft.id, options={
                "idempotency_key": f"{key}:finalize"})
        except stripe.StripeError as error:
            raise _unavailable(error, "issue the invoice") from error
        if final.amount_due != invoice.total:
            raise DeliveryFailed(f"Stripe's invoice {final.id} is for {final.amount_due}, "
                                 f"ours for {invoice.total}: left for an operator")
        return IssuedInvoice(final.id, final.hosted_invoice_url)


class LocalInvoicing:
    """The embedded default: eduport issues the invoice itself (its email is the invoice;
    payment is recorded by an admin), numbered from our record."""

    provider = "local"

    def issue(self, customer_id: str, invoice: Invoice, key: str) -> IssuedInvoice:
        return IssuedInvoice(f"local_inv_{invoice.id}")


class StripeInvoicePayments:
    """How Stripe says an invoice was paid: its invoice payments (API basil and later keep
    the PaymentIntent there, not on the invoice), the PaymentIntent expanded."""

    def __init__(self, client: stripe.StripeClient) -> None:
        self.client = client

    def payment_of(self, provider_invoice_id: str) -> InvoicePayment | None:
        try:
            found = self.client.v1.invoice_payments.list(params={
                "invoice": provider_invoice_id, "expand": ["data.payment.payment_intent"]})
        except stripe.StripeError as error:
            raise _unavailable(error, "read the invoice's payment") from error
        for payment in found.to_dict(recursive=True).get("data") or []:
            if payment.get("status") != "paid":
                continue
            intent = (payment.get("payment") or {}).get("payment_intent")
            intent = intent if isinstance(intent, dict) else {}
            types = intent.get("payment_method_types") or [None]
            return InvoicePayment(int(payment.get("amount_paid") or 0),
                                  str(payment.get("currency") or "").upper(), types[0],
                                  intent.get("id"))
        return None
