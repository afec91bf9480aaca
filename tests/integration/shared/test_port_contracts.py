"""One contract per port, run against the fake the unit tests use and every real adapter:
if the fake drifts from the adapters, these fail."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from application.messaging.ports import EmailMessage
from application.payments.ports import PaymentRequest
from domain.shared.money import Money
from tests.conftest import fresh_database, mapped_engine
from tests.unit.all_areas import FakeUnitOfWork
from tests.unit.messaging.fakes import FakeMailer
from tests.unit.payments.fakes import FakePaymentGateway
from tests.unit.shared.fakes import FakeClock

# --- PaymentGateway --------------------------------------------------------------------------

AMOUNT = Money(4200, "USD")
EXPIRES = (datetime.now(UTC) + timedelta(hours=1)).replace(microsecond=0)


class Provider:
    """A gateway plus what a buyer does to pay at that provider."""

    def __init__(self, gateway: Any, flow: str, pay: Callable[[str], None],
                 method: str | None = None) -> None:
        self.gateway, self.flow, self.pay, self.method = gateway, flow, pay, method


def request(provider: Provider, key: str) -> PaymentRequest:
    payment_id = key.split(":")[1]  # ids and the key belong together, as in eduport
    return PaymentRequest(
        payment_id, f"order-{payment_id}", provider.flow, AMOUNT, (), "Compilers",
        "alan@example.test", "https://app.example.test/ok", "https://app.example.test/cancel",
        EXPIRES, key, provider.method)


@pytest.fixture
def contract_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A migrated SQLite database of its own (PostgreSQL is covered by the adapters' tests)."""
    with mapped_engine(fresh_database(request, tmp_path, "sqlite")) as engine:
        yield engine


@pytest.fixture(params=["fake", "sandbox", "stripe", "paypal"])
def provider(request: pytest.FixtureRequest) -> Iterator[Provider]:
    with ExitStack() as stack:
        yield _provider(request.param, stack, request)


def _provider(name: str, stack: ExitStack, request: pytest.FixtureRequest) -> Provider:
    if name == "fake":
        fake = FakePaymentGateway()
        return Provider(fake, "fake", fake.succeed)
    if name == "sandbox":
        from adapters.outbound.payments.sandbox import SandboxPaymentGateway

        engine: Engine = request.getfixturevalue("contract_engine")
        sandbox = SandboxPaymentGateway(engine, FakeClock(datetime.now(UTC)), "s" * 32,
                                        lambda body, headers: None)
        return Provider(sandbox, "sandbox", lambda ref: None, "pm_card_visa")
    if name == "stripe":
        from adapters.outbound.payments.stripe import StripePaymentGateway, build_stripe_client
        from tests.vendor_servers.stripe_server import FakeStripe

        server = stack.enter_context(FakeStripe(api_key="sk_test_contract"))
        gateway = StripePaymentGateway(build_stripe_client("sk_test_contract", server.url))
        return Provider(gateway, "payment_intent", server.succeed_payment_intent)
    from adapters.outbound.payments.paypal import PayPalPaymentGateway, build_paypal_api
    from tests.vendor_servers.paypal_server import FakePayPal

    paypal = stack.enter_context(FakePayPal())
    api = build_paypal_api("sandbox", paypal.client_id, paypal.client_secret,
                           api_base=paypal.url)
    return Provider(PayPalPaymentGateway(api), "paypal_order", paypal.approve)


def test_gateway_contract_open_pay_settle_refund(provider: Provider) -> None:
    gateway = provider.gateway
    assert gateway.supports("USD")
    key = f"payment:{uuid.uuid4()}:create"
    opened = gateway.start(request(provider, key))
    again = gateway.start(request(provider, key))
    assert again.reference == opened.reference  # the same key never opens a second payment
    assert gateway.fetch(opened.reference).status == "pending"

    provider.pay(opened.reference)
    paid = gateway.complete(opened.reference, f"{key}:complete")
    assert paid.status == "succeeded" and paid.received == AMOUNT
    assert gateway.complete(opened.reference, f"{key}:complete").status == "succeeded"

    receipt = gateway.refund(opened.reference, paid.provider_payment_id, Money(1200, "USD"),
                             f"refund:{uuid.uuid4()}")
    assert receipt.amount == Money(1200, "USD") and receipt.status in ("pending", "succeeded")
    assert gateway.fetch(opened.reference).refunded_minor == 1200
    state = gateway.fetch(opened.reference)
    assert state.status == "succeeded"  # refunds come as a total, not as another status


def test_gateway_contract_refund_keys_are_idempotent(provider: Provider) -> None:
    gateway = provider.gateway
    opened = gateway.start(request(provider, f"payment:{uuid.uuid4()}:create"))
    provider.pay(opened.reference)
    paid = gateway.complete(opened.reference, f"{opened.reference}:complete")
    key = f"refund:{uuid.uuid4()}"
    first = gateway.refund(opened.reference, paid.provider_payment_id, Money(500, "USD"), key)
    second = gateway.refund(opened.reference, paid.provider_payment_id, Money(500, "USD"), key)
    assert first.reference == second.reference
    assert gateway.fetch(opened.reference).refunded_minor == 500


# --- Mailer ----------------------------------------------------------------------------------


@pytest.fixture(params=["fake", "file"])
def mailer(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[Any, Callable[[], int]]:
    if request.param == "fake":
        fake = FakeMailer()
        return fake, lambda: len(fake.sent)
    from adapters.outbound.mail.file_mailer import FileMailer

    folder = tmp_path / "mail"
    return FileMailer(str(folder), "eduport <no-reply@example.test>"), \
        lambda: len(list(folder.glob("*.eml")))


def test_mailer_contract_one_delivery_per_key(mailer: tuple[Any, Callable[[], int]]) -> None:
    sender, delivered = mailer
    message = EmailMessage("alan@example.test", "Welcome", "Hello")
    sender.send(message, "outbox:1:welcome")
    sender.send(message, "outbox:1:welcome")
    sender.send(message, "outbox:2:welcome")
    assert delivered() == 2


# --- Cache -----------------------------------------------------------------------------------


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
def cache(request: pytest.FixtureRequest) -> Any:
    from adapters.outbound.cache import MemoryCache, RedisCache

    if request.param == "memory":
        return MemoryCache()
    from redis import Redis

    return RedisCache(Redis.from_url(request.getfixturevalue("redis_url")),
                      prefix=f"test:{uuid.uuid4().hex}:")


def test_cache_contract(cache: Any) -> None:
    assert cache.get("missing") is None
    cache.set("page", b"bytes", ttl_seconds=60)
    assert cache.get("page") == b"bytes"
    assert [cache.incr("version") for _ in range(3)] == [1, 2, 3]
    assert cache.get("version") == b"3"


# --- UnitOfWork ------------------------------------------------------------------------------


@pytest.fixture(params=["fake", "sqlalchemy"])
def unit_of_work(request: pytest.FixtureRequest) -> Callable[[], Any]:
    from tests.unit.shared.fakes import FakeDatabase, FakeTaskQueue
    if request.param == "fake":
        db = FakeDatabase()
        return lambda: FakeUnitOfWork(db, queue=FakeTaskQueue())
    from adapters.outbound.persistence.database import session_factory
    from adapters.outbound.system import SystemClock, UuidGenerator
    from tests.conftest import all_areas_unit_of_work

    sessions = session_factory(request.getfixturevalue("contract_engine"))
    return lambda: all_areas_unit_of_work()(sessions, SystemClock(), UuidGenerator(),
                                        FakeTaskQueue())


def test_unit_of_work_contract(unit_of_work: Callable[[], Any]) -> None:
    from domain.accounts.model import EmailAddress, User
    from domain.shared.roles import Role

    def user(email: str) -> User:
        return User.register(str(uuid.uuid4()), EmailAddress.parse(email), "A", Role.STUDENT,
                             "h", datetime.now(UTC))

    with unit_of_work() as uow:
        uow.users.add(user("kept@example.test"))
        uow.commit()
    with unit_of_work() as uow:
        uow.users.add(user("dropped@example.test"))  # no commit: rolled back
    with unit_of_work() as uow:
        assert uow.users.get_by_email("kept@example.test") is not None
        assert uow.users.get_by_email("dropped@example.test") is None
        kept = uow.users.get_by_email("kept@example.test")
        assert kept is not None and kept.role is Role.STUDENT
