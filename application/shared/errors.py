"""Errors of the outside world as the core sees it: a service that failed, a delivery that
is not genuine, a reused idempotency key."""

from __future__ import annotations

from domain.shared.errors import DomainError


class DeliveryFailed(DomainError):
    """An outside service could not be reached or failed transiently; retry later."""

    code = "unavailable"


class InvalidSignature(DomainError):
    """A webhook delivery that is unsigned, forged or too old."""

    code = "invalid_signature"


class IdempotencyMismatch(DomainError):
    """An Idempotency-Key reused with a different request."""

    code = "idempotency_key_reused"
