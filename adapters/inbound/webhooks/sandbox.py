"""The offline sandbox gateway: Stripe's signature scheme with the sandbox secret."""

from __future__ import annotations

from adapters.inbound.webhooks.inbox import blp, webhook_endpoint

blp.route("/sandbox")(webhook_endpoint("sandbox"))
