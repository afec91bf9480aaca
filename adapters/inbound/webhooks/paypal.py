"""PayPal: verified by PayPal's verify-webhook-signature call for PAYPAL_WEBHOOK_ID."""

from __future__ import annotations

from adapters.inbound.webhooks.inbox import blp, webhook_endpoint

blp.route("/paypal")(webhook_endpoint("paypal"))
