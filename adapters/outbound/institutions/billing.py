"""Billing customers: at Stripe through the official SDK (``customers.create``, an
idempotency key from our id), or, as the embedded default, kept by eduport itself."""

from __future__ import annotations

import logging

import stripe

from application.institutions.ports import CustomerRequest
from application.shared.errors import DeliveryFailed

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
