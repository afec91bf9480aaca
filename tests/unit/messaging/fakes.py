"""Fakes of the messaging area: a mailer that keeps what it was given."""

from __future__ import annotations

from application.messaging.ports import EmailMessage


class FakeMailer:
    def __init__(self) -> None:
        self.sent: dict[str, EmailMessage] = {}

    def send(self, message: EmailMessage, idempotency_key: str) -> None:
        self.sent.setdefault(idempotency_key, message)
