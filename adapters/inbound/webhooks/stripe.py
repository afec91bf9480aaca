"""Stripe: verified with the Stripe-Signature header (HMAC-SHA256, 300 s tolerance)."""

from __future__ import annotations

from adapters.inbound.webhooks.inbox import blp, webhook_endpoint

blp.route("/stripe")(webhook_endpoint("stripe"))
