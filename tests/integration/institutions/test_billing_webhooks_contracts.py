"""Stripe's authenticator on the billing endpoint, as a ``WebhookAuthenticator``: a genuine
event is accepted and stored under ``stripe-billing`` (so the inbox hands it to the
subscriptions' handler, not the payments'); a forged, stale or tampered one is refused."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from adapters.outbound.institutions.billing import RenamedAuthenticator
from adapters.outbound.payments.stripe import StripeWebhookAuthenticator
from application.shared.errors import InvalidSignature
from application.shared.ports import WebhookAuthenticator
from tests.contracts import Contract
from tests.vendor_servers.stripe_server import sign_stripe_payload

SECRET = "whsec_billing_contract"
BILLING_WEBHOOKS = Contract(WebhookAuthenticator, {"stripe-billing": RenamedAuthenticator})
EVENT = json.dumps({"id": "evt_1", "type": "customer.subscription.updated",
                    "data": {"object": {"id": "sub_1"}}}).encode()


@pytest.fixture(params=BILLING_WEBHOOKS.params())
def authenticator(request: pytest.FixtureRequest) -> Any:
    return BILLING_WEBHOOKS.build(request.param, lambda: RenamedAuthenticator(
        "stripe-billing", StripeWebhookAuthenticator(SECRET)))


def test_a_genuine_event_is_kept_under_the_billing_endpoint(
        authenticator: WebhookAuthenticator) -> None:
    headers = {"Stripe-Signature": sign_stripe_payload(EVENT, SECRET, int(time.time()))}
    event = authenticator.authenticate(headers, EVENT)
    assert (event.provider, event.event_id, event.event_type) == (
        "stripe-billing", "evt_1", "customer.subscription.updated")
    assert authenticator.provider == "stripe-billing"


@pytest.mark.parametrize("headers, body", [
    ({"Stripe-Signature": sign_stripe_payload(EVENT, "whsec_other", int(time.time()))}, EVENT),
    ({"Stripe-Signature": sign_stripe_payload(EVENT, SECRET, int(time.time()) - 3600)},
     EVENT),
    ({"Stripe-Signature": sign_stripe_payload(EVENT, SECRET, int(time.time()))},
     EVENT.replace(b"sub_1", b"sub_2")),
    ({}, EVENT)])
def test_what_stripe_did_not_sign_is_refused(authenticator: WebhookAuthenticator,
                                             headers: dict[str, str], body: bytes) -> None:
    with pytest.raises(InvalidSignature):
        authenticator.authenticate(headers, body)
