"""Errors of the outside world as the core sees it: a service that failed, a delivery that
is not genuine, a reused idempotency key."""

from __future__ import annotations

from domain.shared.errors import DomainError


class DeliveryFailed(DomainError):
    """An outside service could not be reached or failed transiently; retry later.
    ``retry_after`` is the service's own hint in seconds (a 429's ``Retry-After``), when it
    gave one: the retry of a leased record waits at least that long."""

    code = "unavailable"

    def __init__(self, message: str, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class InvalidSignature(DomainError):
    """A webhook delivery that is unsigned, forged or too old."""

    code = "invalid_signature"


class IdempotencyMismatch(DomainError):
    """An Idempotency-Key reused with a different request."""

    code = "idempotency_key_reused"
