"""Domain errors: what went wrong in the language of the business, never of HTTP or SQL."""


class DomainError(Exception):
    """Base of every rule the domain refuses to break."""

    code = "domain_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(DomainError):
    code = "not_found"


class PermissionDenied(DomainError):
    """The actor is known but may not do this (HTTP 403)."""

    code = "forbidden"


class AuthenticationFailed(DomainError):
    """The actor could not be identified (HTTP 401)."""

    code = "unauthenticated"


class Conflict(DomainError):
    code = "conflict"


class InvalidState(DomainError):
    """A transition the state machine does not allow."""

    code = "invalid_state"


class InvalidValue(DomainError):
    code = "invalid_value"


class InvalidToken(DomainError):
    """A one-time or refresh token that is forged, expired, used or revoked."""

    code = "invalid_token"


class CheckoutRequired(DomainError):
    """A paid course cannot be enrolled in without paying."""

    code = "checkout_required"


class DeliveryFailed(DomainError):
    """An outside service could not be reached or failed transiently; retry later."""

    code = "unavailable"


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


class InvalidSignature(DomainError):
    """A webhook delivery that is unsigned, forged or too old."""

    code = "invalid_signature"


class RateUnavailable(DomainError):
    """No exchange rate is known for a currency pair; eduport never guesses one."""

    code = "rate_unavailable"


class IdempotencyMismatch(DomainError):
    """An Idempotency-Key reused with a different request."""

    code = "idempotency_key_reused"
