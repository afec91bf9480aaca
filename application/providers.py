"""Which adapter serves which payment provider: filled by the composition root."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from application.ports import (
    CardholderChallenge,
    PaymentGateway,
    WebhookAuthenticator,
    WebhookInterpreter,
)
from domain.errors import InvalidValue, NotFound

# The flows each provider offers; the first is the default.
FLOWS: dict[str, tuple[str, ...]] = {
    "stripe": ("payment_intent", "checkout_session"),
    "paypal": ("paypal_order",),
    "sandbox": ("sandbox",),
}


@dataclass(frozen=True)
class PaymentGateways:
    by_provider: Mapping[str, PaymentGateway]
    flows: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: FLOWS)
    challenge: CardholderChallenge | None = None  # only the sandbox has one of its own

    def get(self, provider: str) -> PaymentGateway:
        gateway = self.by_provider.get(provider)
        if gateway is None:
            raise InvalidValue(f"the payment provider {provider!r} is not available; "
                               f"choose one of: {', '.join(sorted(self.by_provider))}")
        return gateway

    def flow(self, provider: str, requested: str | None) -> str:
        flows = self.flows.get(provider, ())
        if requested is None and flows:
            return flows[0]
        if requested not in flows:
            raise InvalidValue(f"{provider} offers the flows: {', '.join(flows)}")
        return requested


@dataclass(frozen=True)
class WebhookEndpoints:
    authenticators: Mapping[str, WebhookAuthenticator]
    interpreters: Mapping[str, WebhookInterpreter]

    def authenticator(self, provider: str) -> WebhookAuthenticator:
        found = self.authenticators.get(provider)
        if found is None:
            raise NotFound(f"webhooks from {provider} are not configured")
        return found

    def interpreter(self, provider: str) -> WebhookInterpreter:
        found = self.interpreters.get(provider)
        if found is None:
            raise NotFound(f"webhooks from {provider} are not configured")
        return found
