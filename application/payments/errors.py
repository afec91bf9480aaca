"""What payment providers and exchange rates can answer that is not a business rule."""

from __future__ import annotations

from application.shared.errors import DeliveryFailed
from domain.shared.errors import DomainError


class GatewayUnavailable(DeliveryFailed):
    """A payment provider timed out, failed or rate-limited us; nothing was charged for sure."""

    code = "gateway_unavailable"


class GatewayMisconfigured(GatewayUnavailable):
    """A payment provider refuses our own credentials or account set-up (a wrong or revoked key,
    missing permissions). Nothing was charged; an operator must act, so clients are told only
    that payments are unavailable, and the cause goes to the log."""


class GatewayDeclined(DomainError):
    """A payment provider refused the request (declined card, invalid amount, ...)."""

    code = "gateway_declined"


class RateUnavailable(DomainError):
    """No exchange rate is known for a currency pair; eduport never guesses one."""

    code = "rate_unavailable"
