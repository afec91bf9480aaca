"""Use cases wired to fakes: fast, deterministic, asserted on by state."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from application.audit import Auditor
from application.config import AccountPolicy, Links, OutboxPolicy
from tests.fakes import (
    FakeAccessTokens,
    FakeCatalogQueries,
    FakeClock,
    FakeDatabase,
    FakeExchangeRates,
    FakeIdGenerator,
    FakeMailer,
    FakeOneTimeTokens,
    FakePasswordHasher,
    FakePaymentGateway,
    FakeTaskQueue,
    FakeUnitOfWork,
)


@dataclass
class World:
    clock: FakeClock = field(default_factory=FakeClock)
    ids: FakeIdGenerator = field(default_factory=FakeIdGenerator)
    db: FakeDatabase = field(default_factory=FakeDatabase)
    queue: FakeTaskQueue = field(default_factory=FakeTaskQueue)
    hasher: FakePasswordHasher = field(default_factory=FakePasswordHasher)
    mailer: FakeMailer = field(default_factory=FakeMailer)
    policy: AccountPolicy = field(default_factory=AccountPolicy)
    outbox_policy: OutboxPolicy = field(default_factory=OutboxPolicy)
    links: Links = field(default_factory=lambda: Links("https://app.example.test"))

    def __post_init__(self) -> None:
        from application.config import PaymentPolicy
        from application.providers import PaymentGateways, WebhookEndpoints

        self.gateway = FakePaymentGateway("fakepay")
        self.gateways = PaymentGateways({"fakepay": self.gateway}, {"fakepay": ("fake",)})
        self.rates = FakeExchangeRates()
        self.payment_policy = PaymentPolicy(fallback_currency=(("fakepay", "USD"),))
        self.webhook_endpoints = WebhookEndpoints({}, {})
        self.access_tokens = FakeAccessTokens(self.clock)
        self.one_time_tokens = FakeOneTimeTokens(self.clock)
        self.auditor = Auditor(self.clock, self.ids)
        self.queries = FakeCatalogQueries(self.db)

    def uow(self) -> FakeUnitOfWork:
        return FakeUnitOfWork(self.db, self.clock, self.ids, self.queue)

    def build(self, cls: type[Any], **given: Any) -> Any:
        """Constructs a use case from its constructor's type hints, like the composition root."""
        from typing import get_type_hints

        from application.ports import (
            AccessTokens,
            CatalogQueries,
            Clock,
            IdGenerator,
            Mailer,
            OneTimeTokens,
            PasswordHasher,
            TaskQueue,
            UnitOfWork,
        )

        by_type: dict[Any, Any] = {
            UnitOfWork: self.uow(),
            Clock: self.clock,
            IdGenerator: self.ids,
            PasswordHasher: self.hasher,
            AccessTokens: self.access_tokens,
            OneTimeTokens: self.one_time_tokens,
            Mailer: self.mailer,
            TaskQueue: self.queue,
            CatalogQueries: self.queries,
            AccountPolicy: self.policy,
            OutboxPolicy: self.outbox_policy,
            Links: self.links,
            Auditor: self.auditor,
        }
        from application.config import PaymentPolicy
        from application.ports import ExchangeRates
        from application.providers import PaymentGateways, WebhookEndpoints
        from application.settlement import Settlement

        by_type.update({
            PaymentGateways: self.gateways, ExchangeRates: self.rates,
            PaymentPolicy: self.payment_policy, WebhookEndpoints: self.webhook_endpoints,
            Settlement: Settlement(self.clock, self.ids, self.auditor),
        })
        hints = get_type_hints(cls.__init__)
        hints.pop("return", None)
        args = {}
        for name, kind in hints.items():
            if name in given:
                args[name] = given[name]
            elif kind in by_type:
                args[name] = by_type[kind]
            else:  # another use case, built the same way
                args[name] = self.build(kind)
        return cls(**args)


@pytest.fixture
def world() -> World:
    return World()
