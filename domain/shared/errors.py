"""Domain errors: what went wrong in the language of the business, never of HTTP or SQL."""

from __future__ import annotations


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
    """A value the rules refuse; ``field`` names the request field it came from, when one."""

    code = "invalid_value"

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class InvalidToken(DomainError):
    """A one-time or refresh token that is forged, expired, used or revoked."""

    code = "invalid_token"
