"""Which adapter serves which payment provider: filled by the composition root."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from application.payments.errors import GatewayMisconfigured
from application.payments.ports import PaymentGateway, Provider
from domain.payments.model import Flow
from domain.shared.errors import InvalidValue

# The flows each provider offers; the first is the default.
FLOWS: dict[str, tuple[Flow, ...]] = {
    Provider.STRIPE: (Flow.PAYMENT_INTENT, Flow.CHECKOUT_SESSION),
    Provider.PAYPAL: (Flow.PAYPAL_ORDER,),
    Provider.SANDBOX: (Flow.SANDBOX,),
}


@dataclass(frozen=True)
class PaymentGateways:
    by_provider: Mapping[str, PaymentGateway]
    flows: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: FLOWS)

    def get(self, provider: str) -> PaymentGateway:
        gateway = self.by_provider.get(provider)
        if gateway is None and not self.by_provider:
            # Production without Stripe or PayPal: nothing may be sold (never the sandbox).
            raise GatewayMisconfigured("no payment provider is configured: set Stripe's or "
                                       "PayPal's keys (EDUPORT_ENV=production has no sandbox)")
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
