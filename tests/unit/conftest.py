"""Use cases wired to fakes: fast, deterministic, asserted on by state."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from application.accounts.config import AccountPolicy
from application.shared.audit import Auditor
from application.shared.config import LeasePolicy, Links
from application.shared.leases import Leases
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
    outbox_policy: LeasePolicy = field(default_factory=LeasePolicy)
    links: Links = field(default_factory=lambda: Links("https://app.example.test"))

    def __post_init__(self) -> None:
        from application.payments.config import PaymentPolicy
        from application.payments.providers import PaymentGateways
        from application.shared.webhooks import WebhookProviders

        self.gateway = FakePaymentGateway("fakepay")
        self.gateways = PaymentGateways({"fakepay": self.gateway}, {"fakepay": ("fake",)})
        self.rates = FakeExchangeRates()
        self.payment_policy = PaymentPolicy(fallback_currency=(("fakepay", "USD"),))
        self.webhook_providers = WebhookProviders({})
        self.leases = Leases(self.clock)
        self.access_tokens = FakeAccessTokens(self.clock)
        self.one_time_tokens = FakeOneTimeTokens(self.clock)
        self.auditor = Auditor(self.clock, self.ids)
        self.queries = FakeCatalogQueries(self.db)

    def uow(self) -> FakeUnitOfWork:
        return FakeUnitOfWork(self.db, self.clock, self.ids, self.queue)

    def build(self, cls: type[Any], **given: Any) -> Any:
        """Constructs a use case from its constructor's type hints, like the composition root."""
        from typing import get_type_hints

        from application.accounts.ports import (
            AccessTokens,
            AccountsUnitOfWork,
            OneTimeTokens,
            PasswordHasher,
        )
        from application.catalog.ports import CatalogQueries, CatalogUnitOfWork
        from application.messaging.ports import Mailer
        from application.payments.ports import PaymentsUnitOfWork
        from application.shared.ports import (
            Clock,
            IdGenerator,
            InboxUnitOfWork,
            KernelUnitOfWork,
            OutboxUnitOfWork,
            TaskQueue,
        )

        # The fake unit of work serves every area's protocol, as one database would.
        uow = self.uow()
        by_type: dict[Any, Any] = {
            AccountsUnitOfWork: uow, CatalogUnitOfWork: uow, PaymentsUnitOfWork: uow,
            KernelUnitOfWork: uow, OutboxUnitOfWork: uow, InboxUnitOfWork: uow,
            Clock: self.clock,
            IdGenerator: self.ids,
            PasswordHasher: self.hasher,
            AccessTokens: self.access_tokens,
            OneTimeTokens: self.one_time_tokens,
            Mailer: self.mailer,
            TaskQueue: self.queue,
            CatalogQueries: self.queries,
            AccountPolicy: self.policy,
            LeasePolicy: self.outbox_policy,
            Links: self.links,
            Auditor: self.auditor,
        }
        from application.payments.config import PaymentPolicy
        from application.payments.ports import ExchangeRates
        from application.payments.providers import PaymentGateways
        from application.payments.settlement import Settlement
        from application.shared.webhooks import WebhookProviders

        by_type.update({
            PaymentGateways: self.gateways, ExchangeRates: self.rates,
            PaymentPolicy: self.payment_policy, WebhookProviders: self.webhook_providers,
            Leases: self.leases,
            Settlement: Settlement(self.clock, self.auditor),
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
