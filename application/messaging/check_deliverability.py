"""Whether mail can still reach an address (messaging's ``MailDeliverability``)."""

from __future__ import annotations

from application.messaging.ports import MessagingUnitOfWork


class CheckDeliverability:
    def __init__(self, uow: MessagingUnitOfWork) -> None:
        self.uow = uow

    def undeliverable(self, address: str) -> str | None:
        return self(address)

    def __call__(self, address: str) -> str | None:
        with self.uow:
            found = self.uow.suppressions.get(address.lower())
        return found.reason.value if found else None
