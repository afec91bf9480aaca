"""Use cases wired to fakes: fast, deterministic, asserted on by state."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, get_type_hints

import pytest
from injector import Binder, Injector, Module

from adapters.settings import Settings
from application.accounts.config import AccountPolicy
from application.accounts.ports import (
    AccessTokens,
    AccountsUnitOfWork,
    OneTimeTokens,
    PasswordHasher,
)
from application.catalog.ports import CatalogQueries, CatalogUnitOfWork
from application.files.ports import FilesUnitOfWork
from application.identity.ports import IdentityUnitOfWork
from application.live.ports import LiveUnitOfWork
from application.messaging.ports import Mailer, MessagingUnitOfWork
from application.payments.config import PaymentPolicy
from application.payments.ports import ExchangeRates, PaymentsUnitOfWork
from application.payments.providers import PaymentGateways
from application.shared.config import LeasePolicy, Links
from application.shared.ports import (
    Clock,
    IdGenerator,
    InboxUnitOfWork,
    KernelUnitOfWork,
    OutboxUnitOfWork,
    TaskQueue,
)
from application.shared.webhooks import WebhookProviders
from tests.conftest import JWT_SECRET
from tests.unit.accounts.fakes import (
    FakeAccessTokens,
    FakeAccountsUnitOfWork,
    FakeOneTimeTokens,
    FakePasswordHasher,
)
from tests.unit.all_areas import FakeUnitOfWork
from tests.unit.catalog.fakes import FakeCatalogQueries, FakeCatalogUnitOfWork
from tests.unit.files.fakes import FakeFilesUnitOfWork
from tests.unit.identity.fakes import FakeIdentityUnitOfWork
from tests.unit.live.fakes import FakeLiveUnitOfWork
from tests.unit.messaging.fakes import FakeMailer, FakeMessagingUnitOfWork
from tests.unit.payments.fakes import FakeExchangeRates, FakePaymentGateway, FakePaymentsUnitOfWork
from tests.unit.shared.fakes import (
    FakeClock,
    FakeDatabase,
    FakeIdGenerator,
    FakeKernelUnitOfWork,
    FakeTaskQueue,
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
        self.gateway = FakePaymentGateway("fakepay")
        self.gateways = PaymentGateways({"fakepay": self.gateway}, {"fakepay": ("fake",)})
        self.rates = FakeExchangeRates()
        self.payment_policy = PaymentPolicy(fallback_currency=(("fakepay", "USD"),))
        self.webhook_providers = WebhookProviders({})
        self.access_tokens = FakeAccessTokens(self.clock)
        self.one_time_tokens = FakeOneTimeTokens(self.clock)
        self.queries = FakeCatalogQueries(self.db)

    def uow(self) -> FakeUnitOfWork:
        """A unit of work over every area, for a test to look at or prepare the database."""
        return FakeUnitOfWork(self.db, self.clock, self.ids, self.queue)

    @cached_property
    def injector(self) -> Injector:
        """The application's real injector, with the vendors and the database replaced by
        this world's fakes (``FakesModule``)."""
        from bootstrap import build_injector

        # Nobody needs a confirmed address here (the tests of that rule pass their policy).
        settings = Settings.from_env({"EDUPORT_ENV": "test", "JWT_SECRET": JWT_SECRET,
                                      "EDUPORT_DATA_DIR": "var/unit-tests",
                                      "REQUIRE_VERIFIED_EMAIL": "",
                                      "TEACHER_APPROVAL": "false"}, dotenv=False)
        return build_injector(settings, FakesModule(self))

    def build(self, cls: type[Any], **given: Any) -> Any:
        """A use case from the injector; ``given`` replaces some of its constructor's
        arguments (by name), the others come from the injector as in production."""
        if not given:
            return self.injector.get(cls)
        hints = get_type_hints(cls.__init__)
        hints.pop("return", None)
        return cls(**{name: given[name] if name in given else self.injector.get(kind)
                      for name, kind in hints.items()})


class FakesModule(Module):
    """Overrides the production bindings with a World's fakes. Bindings read the world when
    resolved, so a test may swap one of its fakes (``world.gateways = ...``) before building;
    each unit of work is a new fake of its own area, so a use case that reaches into another
    area's repositories fails here as it would on the database."""

    def __init__(self, world: World) -> None:
        self.world = world

    def configure(self, binder: Binder) -> None:
        w = self.world
        for port, uow in ((AccountsUnitOfWork, FakeAccountsUnitOfWork),
                          (CatalogUnitOfWork, FakeCatalogUnitOfWork),
                          (PaymentsUnitOfWork, FakePaymentsUnitOfWork),
                          (KernelUnitOfWork, FakeKernelUnitOfWork),
                          (OutboxUnitOfWork, FakeKernelUnitOfWork),
                          (InboxUnitOfWork, FakeKernelUnitOfWork),
                          (MessagingUnitOfWork, FakeMessagingUnitOfWork),
                          (LiveUnitOfWork, FakeLiveUnitOfWork),
                          (FilesUnitOfWork, FakeFilesUnitOfWork),
                          (IdentityUnitOfWork, FakeIdentityUnitOfWork)):
            binder.bind(port, to=lambda uow=uow: uow(w.db, w.clock, w.ids, w.queue))
        fakes: dict[Any, Callable[[], Any]] = {
            Clock: lambda: w.clock, IdGenerator: lambda: w.ids, TaskQueue: lambda: w.queue,
            PasswordHasher: lambda: w.hasher, AccessTokens: lambda: w.access_tokens,
            OneTimeTokens: lambda: w.one_time_tokens, Mailer: lambda: w.mailer,
            CatalogQueries: lambda: w.queries, AccountPolicy: lambda: w.policy,
            LeasePolicy: lambda: w.outbox_policy, Links: lambda: w.links,
            PaymentGateways: lambda: w.gateways, ExchangeRates: lambda: w.rates,
            PaymentPolicy: lambda: w.payment_policy,
            WebhookProviders: lambda: w.webhook_providers,
        }
        for port, fake in fakes.items():
            binder.bind(port, to=fake)


@pytest.fixture
def world() -> World:
    return World()
