"""How the core tells a person something: email today (messaging's published interface)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class EmailMessage:
    to: str
    subject: str
    text: str
    html: str | None = None
    tags: tuple[str, ...] = ()


class Mailer(Protocol):
    def send(self, message: EmailMessage, idempotency_key: str) -> None:
        """Hands the message to the mail service. Sending twice with the same key delivers
        at most once where the service allows it. Raises ``DeliveryFailed`` for a transient
        failure (the caller's job is retried) and ``InvalidValue`` for a message the service
        refuses for good."""
