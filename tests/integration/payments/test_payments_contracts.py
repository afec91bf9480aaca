"""The payment ports' contracts, run against the fake the unit tests use and every real
adapter: if the fake drifts from the adapters, these fail."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine

from adapters.outbound.payments.exchange_rates import ConfiguredExchangeRates
from adapters.outbound.payments.paypal import (
    PayPalPaymentGateway,
    PayPalWebhookAuthenticator,
    PayPalWebhookInterpreter,
    build_paypal_api,
)
from adapters.outbound.payments.sandbox import (
    SIGNATURE_HEADER,
    SandboxPaymentGateway,
    SandboxWebhookAuthenticator,
    SandboxWebhookInterpreter,
    sign,
)
from adapters.outbound.payments.stripe import (
    StripePaymentGateway,
    StripeWebhookAuthenticator,
    StripeWebhookInterpreter,
)
from adapters.outbound.persistence.accounts import SqlAccountsUnitOfWork
from adapters.outbound.persistence.catalog import SqlCatalogUnitOfWork
from adapters.outbound.persistence.database import session_factory
from adapters.outbound.persistence.payments import (
    SqlCheckoutHolds,
    SqlOrderRepository,
    SqlPaymentRepository,
    SqlPaymentsUnitOfWork,
    SqlRefundRepository,
)
from adapters.outbound.persistence.unit_of_work import SqlKernelUnitOfWork
from adapters.outbound.system import UuidGenerator
from application.payments.errors import RateUnavailable
from application.payments.ports import (
    CheckoutHolds,
    ExchangeRates,
    NoticeKind,
    OrderRepository,
    PaymentGateway,
    PaymentNotice,
    PaymentRepository,
    PaymentRequest,
    PaymentsUnitOfWork,
    RefundRecord,
    RefundRepository,
    RefundStatus,
    WebhookInterpreter,
)
from application.shared.errors import InvalidSignature
from application.shared.ports import WebhookAuthenticator, WebhookEvent
from domain.accounts.model import EmailAddress, User
from domain.catalog.model import Course
from domain.payments.credit_packs import CreditPack
from domain.payments.model import Order, OrderLine, OrderLineKind, Payment, PaymentStatus
from domain.shared.errors import Conflict
from domain.shared.money import Money
from domain.shared.roles import Role
from tests.contracts import Contract
from tests.unit.accounts.fakes import FakeAccountsUnitOfWork
from tests.unit.catalog.fakes import FakeCatalogUnitOfWork
from tests.unit.payments.fakes import (
    FakeCheckoutHolds,
    FakeExchangeRates,
    FakeOrderRepository,
    FakePaymentGateway,
    FakePaymentRepository,
    FakePaymentsUnitOfWork,
    FakeRefundRepository,
)
from tests.unit.shared.fakes import (
    FakeClock,
    FakeDatabase,
    FakeIdGenerator,
    FakeKernelUnitOfWork,
    FakeTaskQueue,
)
from tests.vendor_servers.paypal_server import FakePayPal
from tests.vendor_servers.stripe_server import sign_stripe_payload

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


GATEWAY = Contract(PaymentGateway, {"fake": FakePaymentGateway, "sandbox": SandboxPaymentGateway,
                                     "stripe": StripePaymentGateway,
                                     "paypal": PayPalPaymentGateway})


@pytest.fixture(params=GATEWAY.params())
def provider(request: pytest.FixtureRequest) -> Iterator[Provider]:
    with ExitStack() as stack:
        found = _provider(request.param, stack, request)
        GATEWAY.build(request.param, lambda: found.gateway)
        yield found


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


# --- ExchangeRates ---------------------------------------------------------------------------


EXCHANGE_RATES = Contract(ExchangeRates, {"fake": FakeExchangeRates,
                                          "configured": ConfiguredExchangeRates})


@pytest.fixture(params=EXCHANGE_RATES.params())
def rates(request: pytest.FixtureRequest) -> Any:
    if request.param == "fake":
        return EXCHANGE_RATES.build("fake", lambda: FakeExchangeRates({("EGP", "USD"): "0.0205"}))
    return EXCHANGE_RATES.build("configured", lambda: ConfiguredExchangeRates(
        "EGP:USD=0.0205", datetime(2026, 1, 1, tzinfo=UTC)))


def test_exchange_rates_contract_known_pair_gives_its_rate(rates: Any) -> None:
    rate = rates.rate("EGP", "USD")
    assert (rate.source_currency, rate.target_currency, rate.rate) == ("EGP", "USD", "0.0205")
    assert rate.source and rate.fetched_at.utcoffset() == timedelta(0)


@pytest.mark.parametrize("source, target", [("USD", "EGP"), ("EUR", "USD")],
                         ids=["reverse-pair-never-inverted", "unknown-pair"])
def test_exchange_rates_contract_unknown_pair_is_unavailable(rates: Any, source: str,
                                                            target: str) -> None:
    with pytest.raises(RateUnavailable):
        rates.rate(source, target)


# --- PaymentsUnitOfWork and its repositories -------------------------------------------------


PAYMENTS_UNIT_OF_WORK = Contract(PaymentsUnitOfWork, {
    "fake": FakePaymentsUnitOfWork, "sqlalchemy": SqlPaymentsUnitOfWork})
# Built from the unit of work inside its ``with`` block, under the same param ids.
ORDERS = Contract(OrderRepository, {"fake": FakeOrderRepository,
                                    "sqlalchemy": SqlOrderRepository})
PAYMENTS = Contract(PaymentRepository, {"fake": FakePaymentRepository,
                                        "sqlalchemy": SqlPaymentRepository})
REFUNDS = Contract(RefundRepository, {"fake": FakeRefundRepository,
                                      "sqlalchemy": SqlRefundRepository})
HOLDS = Contract(CheckoutHolds, {"fake": FakeCheckoutHolds, "sqlalchemy": SqlCheckoutHolds})
REPOSITORIES = {"orders": ORDERS, "payments": PAYMENTS, "refunds": REFUNDS, "holds": HOLDS}

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
LEASE = timedelta(minutes=5)


@dataclass
class Records:
    """One database seen through units of work: the payments' one under test, and those of
    the areas owning the rows payments point at (students, courses) or read back (outbox)."""

    name: str  # the param: every implementation built here is checked against it
    make_payments: Callable[[], Any]
    accounts: Callable[[], Any]
    catalog: Callable[[], Any]
    kernel: Callable[[], Any]
    queue: FakeTaskQueue

    def payments(self) -> Any:
        return PAYMENTS_UNIT_OF_WORK.build(self.name, self.make_payments)

    def repository(self, uow: Any, attribute: str) -> Any:
        """``uow``'s repository, checked to be the one its contract declares for this param."""
        return REPOSITORIES[attribute].build(self.name, lambda: getattr(uow, attribute))


@pytest.fixture(params=PAYMENTS_UNIT_OF_WORK.params())
def records(request: pytest.FixtureRequest) -> Records:
    clock, queue = FakeClock(NOW), FakeTaskQueue()
    if request.param == "fake":
        db, fake_ids = FakeDatabase(), FakeIdGenerator()
        kinds: tuple[type[Any], ...] = (FakePaymentsUnitOfWork, FakeAccountsUnitOfWork,
                                        FakeCatalogUnitOfWork, FakeKernelUnitOfWork)
        return Records("fake", *(_factory(kind, db, clock, fake_ids, queue) for kind in kinds),
                       queue=queue)
    sessions = session_factory(request.getfixturevalue("contract_engine"))
    kinds = (SqlPaymentsUnitOfWork, SqlAccountsUnitOfWork, SqlCatalogUnitOfWork,
             SqlKernelUnitOfWork)
    return Records("sqlalchemy", *(_factory(kind, sessions, clock, UuidGenerator(), queue)
                                   for kind in kinds), queue=queue)


def _factory(kind: type[Any], *arguments: Any) -> Callable[[], Any]:
    return lambda: kind(*arguments)


def new_id() -> str:
    return str(uuid.uuid4())


def _user(role: Role) -> User:
    return User.register(new_id(), EmailAddress.parse(f"{new_id()[:8]}@example.test"), "Ada",
                         role, "hash", NOW)


@pytest.fixture
def student(records: Records) -> str:
    """A registered student's id (payments and orders point at one)."""
    with records.accounts() as uow:
        user = _user(Role.STUDENT)
        uow.users.add(user)
        uow.commit()
    records.queue.jobs.clear()  # the registration's own events are not what the tests check
    return user.id


@pytest.fixture
def course(records: Records) -> str:
    """A course's id (order lines point at one)."""
    with records.accounts() as uow:
        teacher = _user(Role.TEACHER)
        uow.users.add(teacher)
        uow.commit()
    with records.catalog() as uow:
        created = Course(new_id(), teacher.id, "Compilers", f"compilers-{new_id()[:8]}", "",
                         AMOUNT, NOW, NOW)
        uow.courses.add(created)
        uow.commit()
    records.queue.jobs.clear()
    return created.id


def add_payment(uow: Any, student_id: str, purchase: str = "course-1", *,
                updated_at: datetime = NOW, status: PaymentStatus = PaymentStatus.PENDING,
                expires_at: datetime | None = None, reference: str | None = None,
                provider_payment_id: str | None = None) -> Payment:
    """An order and its payment attempt, added to ``uow``'s repositories."""
    order = Order(new_id(), student_id, "USD", NOW)
    uow.orders.add(order)
    payment = Payment(new_id(), order.id, student_id, "fakepay", "payment_intent", AMOUNT, AMOUNT,
                      purchase, NOW, updated_at, status=status, provider_reference=reference,
                      provider_payment_id=provider_payment_id, expires_at=expires_at)
    uow.payments.add(payment)
    return payment


def committed_payment(records: Records, student_id: str, purchase: str = "course-1",
                      **fields: Any) -> Payment:
    with records.payments() as uow:
        payment = add_payment(uow, student_id, purchase, **fields)
        uow.commit()
    return payment


def test_order_repository_contract_round_trip(records: Records, student: str,
                                              course: str) -> None:
    order = Order(new_id(), student, "USD", NOW, [OrderLine.for_course(
        new_id(), course, "Compilers", Money(4200, "USD"))])
    with records.payments() as uow:
        records.repository(uow, "orders").add(order)
        uow.commit()
    with records.payments() as uow:
        orders = records.repository(uow, "orders")
        found = orders.get(order.id)
        assert found is not None and orders.get(new_id()) is None
        assert (found.student_id, found.currency, found.created_at) == (student, "USD", NOW)
        assert [(line.kind, line.course_id, line.title, line.price) for line in found.lines] == [
            (OrderLineKind.COURSE, course, "Compilers", Money(4200, "USD"))]
        assert found.total == Money(4200, "USD") and found.course_ids == (course,)
        assert found.credit_pack is None


def test_order_repository_contract_credit_pack_round_trip(records: Records,
                                                          student: str) -> None:
    pack = CreditPack("plus", Money(2500, "USD"), Money(2750, "USD"))
    order = Order(new_id(), student, "USD", NOW, [OrderLine.for_credit_pack(new_id(), pack)])
    with records.payments() as uow:
        records.repository(uow, "orders").add(order)
        uow.commit()
    with records.payments() as uow:
        found = records.repository(uow, "orders").get(order.id)
        assert found is not None and found.course_ids == () and found.course_lines == []
        line = found.credit_pack
        assert line is not None and (line.kind, line.course_id, line.credit_pack_id) == (
            OrderLineKind.CREDIT_PACK, None, "plus")
        assert (line.price, line.credits, line.item_id) == (
            Money(2500, "USD"), Money(2750, "USD"), "credit_pack:plus")
        assert found.total == Money(2500, "USD")


def test_payment_repository_contract_get_and_by_reference(records: Records,
                                                          student: str) -> None:
    expires = NOW + timedelta(hours=1)
    paid = committed_payment(records, student, reference="ref-1", provider_payment_id="pi-1",
                             expires_at=expires)
    with records.payments() as uow:
        payments = records.repository(uow, "payments")
        found = payments.get(paid.id)
        assert found is not None and payments.get(new_id()) is None
        assert (found.order_id, found.student_id, found.amount, found.status, found.purchase,
                found.expires_at) == (paid.order_id, student, AMOUNT, PaymentStatus.PENDING,
                                      "course-1", expires)
        # found by the attempt's reference or by the payment behind it, at its own provider
        assert payments.by_reference("fakepay", "ref-1").id == paid.id
        assert payments.by_reference("fakepay", "pi-1").id == paid.id
        assert payments.by_reference("otherpay", "ref-1") is None
        assert payments.by_reference("fakepay", "ref-2") is None


def test_payment_repository_contract_paid_unreconciled_least_recent_first(
        records: Records, student: str) -> None:
    S = PaymentStatus
    old = committed_payment(records, student, "a", status=S.SUCCEEDED,
                            updated_at=NOW - timedelta(days=3))
    newer = committed_payment(records, student, "b", status=S.PARTIALLY_REFUNDED,
                              updated_at=NOW - timedelta(days=2))
    committed_payment(records, student, "c", status=S.SUCCEEDED)  # changed just now
    committed_payment(records, student, "d", status=S.PENDING,
                      updated_at=NOW - timedelta(days=5))  # not paid
    checked = committed_payment(records, student, "e", status=S.DISPUTED,
                                updated_at=NOW - timedelta(days=9))
    with records.payments() as uow:
        records.repository(uow, "payments").get(checked.id).reconciled(NOW + timedelta(hours=1))
        uow.commit()
    with records.payments() as uow:
        payments = records.repository(uow, "payments")
        day_ago, long_ago = NOW - timedelta(days=1), NOW - timedelta(days=120)
        assert payments.paid_unreconciled(day_ago, long_ago, 10) == [old.id, newer.id]
        assert payments.paid_unreconciled(day_ago, long_ago, 1) == [old.id]
        assert payments.paid_unreconciled(day_ago, NOW, 10) == []  # all made before ``since``
        assert payments.paid_unreconciled(NOW + timedelta(days=1), long_ago, 10)[-1] == \
            checked.id


def test_payment_repository_contract_open_attempt(records: Records, student: str) -> None:
    open_one = committed_payment(records, student, "course-1")
    committed_payment(records, student, "course-2", status=PaymentStatus.SUCCEEDED)
    with records.payments() as uow:
        payments = records.repository(uow, "payments")
        assert payments.open_attempt(student, "course-1").id == open_one.id
        assert payments.open_attempt(student, "course-2") is None  # paid: not open
        assert payments.open_attempt(new_id(), "course-1") is None  # another student's set


def test_payment_repository_contract_open_before_oldest_first(records: Records,
                                                              student: str) -> None:
    hours = [-3, -1, -2, -4, 1]  # added in this order; the -4 one is paid, the +1 one recent
    with records.payments() as uow:
        made = [add_payment(uow, student, f"course-{i}", updated_at=NOW + timedelta(hours=h),
                            status=PaymentStatus.SUCCEEDED if h == -4 else PaymentStatus.PENDING)
                for i, h in enumerate(hours)]
        uow.commit()
    three, one, two = made[0].id, made[1].id, made[2].id
    with records.payments() as uow:
        payments = records.repository(uow, "payments")
        assert payments.open_before(NOW, 10) == [three, two, one]
        assert payments.open_before(NOW, 2) == [three, two]


def test_payment_repository_contract_expired(records: Records, student: str) -> None:
    with records.payments() as uow:
        past = [add_payment(uow, student, f"past-{h}", expires_at=NOW - timedelta(hours=h)).id
                for h in (1, 2)]
        add_payment(uow, student, "future", expires_at=NOW + timedelta(hours=1))
        add_payment(uow, student, "no-expiry")
        add_payment(uow, student, "paid", expires_at=NOW - timedelta(hours=3),
                    status=PaymentStatus.SUCCEEDED)
        uow.commit()
    with records.payments() as uow:
        payments = records.repository(uow, "payments")
        assert sorted(payments.expired(NOW, 10)) == sorted(past)
        (first,) = payments.expired(NOW, 1)
        assert first in past


def test_payment_repository_contract_for_update(records: Records, student: str) -> None:
    payment = committed_payment(records, student)
    with records.payments() as uow:
        payments = records.repository(uow, "payments")
        assert payments.get(new_id(), for_update=True) is None
        read = payments.get(payment.id)
        read.fail("card_declined", NOW)
        locked = payments.get(payment.id, for_update=True)  # keeps this transaction's change
        assert (locked.id, locked.status) == (payment.id, PaymentStatus.FAILED)
        uow.commit()
    with records.payments() as uow:
        again = records.repository(uow, "payments").get(payment.id, for_update=True)
        assert (again.status, again.failure_reason) == (PaymentStatus.FAILED, "card_declined")


def test_payment_repository_contract_a_transaction_reads_its_own_writes(
        records: Records, student: str) -> None:
    closed = committed_payment(records, student, "course-2")
    with records.payments() as uow:
        orders, payments = records.repository(uow, "orders"), records.repository(uow, "payments")
        added = add_payment(uow, student, "course-1", reference="ref-1")
        assert orders.get(added.order_id) is not None
        assert payments.get(added.id) is not None
        assert payments.by_reference("fakepay", "ref-1").id == added.id
        assert payments.open_attempt(student, "course-1").id == added.id
        payments.get(closed.id).succeed(AMOUNT, NOW, "pi-2")
        assert payments.open_attempt(student, "course-2") is None
        assert payments.open_before(NOW + timedelta(hours=1), 10) == [added.id]


def refund(payment: Payment, minutes: int, status: RefundStatus = RefundStatus.REQUESTED
           ) -> RefundRecord:
    return RefundRecord(new_id(), payment.id, Money(1000, "USD"), status, "admin-1",
                        NOW + timedelta(minutes=minutes), "requested by the student")


def test_refund_repository_contract_add_update_for_payment(records: Records,
                                                           student: str) -> None:
    payment = committed_payment(records, student, "course-1")
    other = committed_payment(records, student, "course-2")
    first, second, elsewhere = refund(payment, 1), refund(payment, 2), refund(other, 3)
    with records.payments() as uow:
        refunds = records.repository(uow, "refunds")
        for record in (first, second, elsewhere):
            refunds.add(record)
        uow.commit()
    with records.payments() as uow:
        records.repository(uow, "refunds").update(first.id, RefundStatus.SUCCEEDED, "re_1")
        uow.commit()
    with records.payments() as uow:
        refunds = records.repository(uow, "refunds")
        updated = RefundRecord(first.id, payment.id, first.amount, RefundStatus.SUCCEEDED,
                               "admin-1", first.created_at, first.reason, "re_1")
        assert sorted(refunds.for_payment(payment.id), key=lambda r: r.created_at) == [
            updated, second]
        assert refunds.for_payment(other.id) == [elsewhere]
        assert refunds.for_payment(new_id()) == []


def test_refund_repository_contract_unsettled_names_payments_oldest_refund_first(
        records: Records, student: str) -> None:
    late, early, done = (committed_payment(records, student, f"course-{n}") for n in (7, 8, 9))
    with records.payments() as uow:
        refunds = records.repository(uow, "refunds")
        refunds.add(refund(late, 30, RefundStatus.PENDING))
        refunds.add(refund(early, 10, RefundStatus.REQUESTED))
        refunds.add(refund(early, 20, RefundStatus.PENDING))
        refunds.add(refund(done, 5, RefundStatus.SUCCEEDED))
        refunds.add(refund(done, 6, RefundStatus.FAILED))
        uow.commit()
    with records.payments() as uow:
        refunds = records.repository(uow, "refunds")
        assert refunds.unsettled(NOW + timedelta(hours=1), 10) == [early.id, late.id]
        assert refunds.unsettled(NOW + timedelta(minutes=15), 10) == [early.id]
        assert refunds.unsettled(NOW + timedelta(hours=1), 1) == [early.id]
        assert refunds.unsettled(NOW, 10) == []


def test_checkout_holds_contract_one_open_attempt_per_course(records: Records,
                                                             student: str) -> None:
    first = committed_payment(records, student, "a,b")
    second = committed_payment(records, student, "a,c")
    with records.payments() as uow:
        records.repository(uow, "holds").hold(student, ["a", "b"], first.id)
        assert records.repository(uow, "holds").holders(student, ["a", "b", "z"]) == {
            "a": first.id, "b": first.id}  # this transaction sees its own holds
        uow.commit()
    with records.payments() as uow, pytest.raises(Conflict):
        records.repository(uow, "holds").hold(student, ["c", "a"], second.id)
    with records.payments() as uow:  # the refused hold left nothing behind
        holds = records.repository(uow, "holds")
        assert holds.holders(student, ["a", "b", "c"]) == {"a": first.id, "b": first.id}
        assert holds.holders("someone-else", ["a"]) == {}
        holds.release(student, [second.id])  # not its hold: nothing changes
        assert holds.holders(student, ["a"]) == {"a": first.id}
        holds.release(student, [first.id])
        holds.hold(student, ["a", "c"], second.id)
        uow.commit()
    with records.payments() as uow:
        assert records.repository(uow, "holds").holders(student, ["a", "b", "c"]) == {
            "a": second.id, "c": second.id}
    with records.payments() as uow:  # left without commit
        records.repository(uow, "holds").release(student, [second.id])
    with records.payments() as uow:
        assert records.repository(uow, "holds").holders(student, ["a"]) == {"a": second.id}


def test_payments_unit_of_work_contract_rolls_back_without_commit(records: Records,
                                                                  student: str) -> None:
    kept = committed_payment(records, student, "kept")
    with records.payments() as uow:  # left without commit
        dropped = add_payment(uow, student, "dropped")
        records.repository(uow, "refunds").add(refund(kept, 1))
    with records.payments() as uow:  # rolled back, then a commit of nothing
        undone = add_payment(uow, student, "undone")
        records.repository(uow, "refunds").add(refund(kept, 2))
        uow.rollback()
        uow.commit()
    with records.payments() as uow:
        orders, payments = records.repository(uow, "orders"), records.repository(uow, "payments")
        assert orders.get(kept.order_id) is not None and payments.get(kept.id) is not None
        for gone in (dropped, undone):
            assert orders.get(gone.order_id) is None and payments.get(gone.id) is None
        assert records.repository(uow, "refunds").for_payment(kept.id) == []
    assert records.queue.jobs == []


def test_payments_unit_of_work_contract_commit_puts_events_in_the_outbox(
        records: Records, student: str) -> None:
    payment = committed_payment(records, student)
    with records.payments() as uow:  # an event raised, then dropped with its transaction
        records.repository(uow, "payments").get(payment.id).fail("card_declined", NOW)
    assert records.queue.jobs == []
    with records.payments() as uow:
        records.repository(uow, "payments").get(payment.id).succeed(AMOUNT, NOW, "pi-1")
        uow.commit()
    ((job, (message_id,)),) = records.queue.jobs  # dispatched once committed
    assert job == "process_outbox_message"
    with records.kernel() as kernel:
        message = kernel.outbox.claim(message_id, NOW, LEASE)
    assert message is not None and message.event_type == "PaymentSucceeded"
    assert message.payload["payment_id"] == payment.id


# --- WebhookAuthenticator and WebhookInterpreter ---------------------------------------------


class Webhooks:
    """One provider's webhooks: its events in its own shape, signed deliveries of them, and
    eduport's authenticator (on ``clock``) and interpreter for them."""

    provider: str
    success_type: str  # the provider's event for a payment that went through
    ignored_type: str  # an event eduport does not act on

    def __init__(self, stack: ExitStack) -> None:
        self.clock = FakeClock(datetime.now(UTC))
        self.stack = stack

    def event(self, event_type: str, reference: str, payment_id: str | None) -> dict[str, Any]:
        raise NotImplementedError

    def authenticator(self) -> Any:
        raise NotImplementedError

    def signed(self, event: dict[str, Any]) -> tuple[dict[str, str], bytes]:
        """The headers and body of a genuine delivery of ``event``, sent now."""
        raise NotImplementedError


class StripeWebhooks(Webhooks):
    provider, success_type, ignored_type = "stripe", "payment_intent.succeeded", \
        "customer.created"
    secret = "whsec_contract"

    def event(self, event_type: str, reference: str, payment_id: str | None) -> dict[str, Any]:
        intent = {"id": reference, "object": "payment_intent", "status": "succeeded",
                  "amount": 4200, "currency": "usd",
                  "metadata": {"payment_id": payment_id} if payment_id else {}}
        return {"id": f"evt_{uuid.uuid4().hex[:24]}", "object": "event", "type": event_type,
                "created": int(self.clock.now().timestamp()), "livemode": False,
                "data": {"object": intent}}

    def authenticator(self) -> Any:
        return StripeWebhookAuthenticator(self.secret, clock=self.clock)

    def signed(self, event: dict[str, Any]) -> tuple[dict[str, str], bytes]:
        body = json.dumps(event).encode()
        return {"Stripe-Signature": sign_stripe_payload(body, self.secret)}, body


class PayPalWebhooks(Webhooks):
    provider, success_type, ignored_type = "paypal", "PAYMENT.CAPTURE.COMPLETED", \
        "BILLING.SUBSCRIPTION.CREATED"

    def event(self, event_type: str, reference: str, payment_id: str | None) -> dict[str, Any]:
        capture: dict[str, Any] = {
            "id": f"CAP{uuid.uuid4().hex[:14].upper()}", "status": "COMPLETED",
            "amount": {"currency_code": "USD", "value": "42.00"},
            "supplementary_data": {"related_ids": {"order_id": reference}}}
        if payment_id:
            capture["custom_id"] = payment_id
        return {"id": f"WH-{uuid.uuid4().hex[:17].upper()}", "event_version": "1.0",
                "create_time": self.clock.now().strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
                "resource_type": "capture", "resource_version": "2.0",
                "event_type": event_type, "summary": "Payment completed", "resource": capture}

    def authenticator(self) -> Any:
        self.paypal = self.stack.enter_context(FakePayPal())
        # a refusal must be PayPal's FAILURE, never a request its spec rejects
        self.stack.callback(self._no_invalid_requests)
        api = build_paypal_api("sandbox", self.paypal.client_id, self.paypal.client_secret,
                               api_base=self.paypal.url)
        return PayPalWebhookAuthenticator(api, self.paypal.webhook_id, self.clock)

    def signed(self, event: dict[str, Any]) -> tuple[dict[str, str], bytes]:
        return self.paypal.transmission_headers(event), json.dumps(event).encode()

    def _no_invalid_requests(self) -> None:
        assert self.paypal.invalid_requests == [], [
            r.response for r in self.paypal.invalid_requests]


class SandboxWebhooks(Webhooks):
    provider, success_type, ignored_type = "sandbox", "payment.succeeded", "customer.created"
    secret = "s" * 32

    def event(self, event_type: str, reference: str, payment_id: str | None) -> dict[str, Any]:
        return {"id": f"evt_sbx_{uuid.uuid4().hex[:24]}", "type": event_type,
                "created": int(self.clock.now().timestamp()),
                "data": {"reference": reference, "payment_id": payment_id, "status": "succeeded",
                         "amount_minor": 4200, "currency": "USD", "refunded_minor": 0}}

    def authenticator(self) -> Any:
        return SandboxWebhookAuthenticator(self.secret, self.clock)

    def signed(self, event: dict[str, Any]) -> tuple[dict[str, str], bytes]:
        body = json.dumps(event).encode()
        return {SIGNATURE_HEADER: sign(self.secret, int(self.clock.now().timestamp()), body)}, \
            body


WEBHOOKS: dict[str, type[Webhooks]] = {"stripe": StripeWebhooks, "paypal": PayPalWebhooks,
                                       "sandbox": SandboxWebhooks}
WEBHOOK_AUTHENTICATOR = Contract(WebhookAuthenticator, {
    "stripe": StripeWebhookAuthenticator, "paypal": PayPalWebhookAuthenticator,
    "sandbox": SandboxWebhookAuthenticator})
WEBHOOK_INTERPRETER = Contract(WebhookInterpreter, {
    "stripe": StripeWebhookInterpreter, "paypal": PayPalWebhookInterpreter,
    "sandbox": SandboxWebhookInterpreter})


@pytest.fixture(params=WEBHOOK_AUTHENTICATOR.params())
def signed_webhooks(request: pytest.FixtureRequest) -> Iterator[tuple[Webhooks, Any]]:
    with ExitStack() as stack:
        webhooks = WEBHOOKS[request.param](stack)
        yield webhooks, WEBHOOK_AUTHENTICATOR.build(request.param, webhooks.authenticator)


def _payment_event(webhooks: Webhooks) -> dict[str, Any]:
    return webhooks.event(webhooks.success_type, f"ref-{uuid.uuid4().hex[:8]}", "pay-1")


def test_webhook_authenticator_contract_genuine_delivery(
        signed_webhooks: tuple[Webhooks, Any]) -> None:
    webhooks, authenticator = signed_webhooks
    event = _payment_event(webhooks)
    headers, body = webhooks.signed(event)
    assert authenticator.authenticate(headers, body) == WebhookEvent(
        webhooks.provider, event["id"], webhooks.success_type, event)


def _unsigned(webhooks: Webhooks, headers: dict[str, str], body: bytes
              ) -> tuple[dict[str, str], bytes]:
    return {}, body


def _tampered(webhooks: Webhooks, headers: dict[str, str], body: bytes
              ) -> tuple[dict[str, str], bytes]:
    assert b'"pay-1"' in body
    return headers, body.replace(b'"pay-1"', b'"pay-2"')  # someone else's payment


def _stale(webhooks: Webhooks, headers: dict[str, str], body: bytes
           ) -> tuple[dict[str, str], bytes]:
    webhooks.clock.advance(hours=1)  # received an hour after it was signed: a replay
    return headers, body


@pytest.mark.parametrize("spoil", [_unsigned, _tampered, _stale],
                         ids=["unsigned", "tampered", "stale"])
def test_webhook_authenticator_contract_refuses_deliveries_that_are_not_genuine(
        signed_webhooks: tuple[Webhooks, Any],
        spoil: Callable[[Webhooks, dict[str, str], bytes], tuple[dict[str, str], bytes]]
) -> None:
    webhooks, authenticator = signed_webhooks
    headers, body = spoil(webhooks, *webhooks.signed(_payment_event(webhooks)))
    with pytest.raises(InvalidSignature):
        authenticator.authenticate(headers, body)


@pytest.fixture(params=WEBHOOK_INTERPRETER.params())
def interpreted(request: pytest.FixtureRequest) -> Iterator[tuple[Webhooks, Any]]:
    interpreter = WEBHOOK_INTERPRETER.implementations[request.param]  # built without arguments
    with ExitStack() as stack:
        yield WEBHOOKS[request.param](stack), WEBHOOK_INTERPRETER.build(request.param,
                                                                        interpreter)


def _notice(webhooks: Webhooks, interpreter: Any, event: dict[str, Any]) -> PaymentNotice:
    event_type = event.get("type") or event["event_type"]
    notice: PaymentNotice = interpreter.interpret(
        WebhookEvent(webhooks.provider, event["id"], event_type, event))
    return notice


def test_webhook_interpreter_contract_ignores_events_eduport_does_not_act_on(
        interpreted: tuple[Webhooks, Any]) -> None:
    webhooks, interpreter = interpreted
    event = webhooks.event(webhooks.ignored_type, "ref-1", "pay-1")
    assert _notice(webhooks, interpreter, event).kind == NoticeKind.IGNORE


@pytest.mark.parametrize("payment_id", ["pay-1", None], ids=["our-id", "reference-only"])
def test_webhook_interpreter_contract_payment_success_names_the_payment(
        interpreted: tuple[Webhooks, Any], payment_id: str | None) -> None:
    webhooks, interpreter = interpreted
    event = webhooks.event(webhooks.success_type, "ref-1", payment_id)
    notice = _notice(webhooks, interpreter, event)
    assert (notice.kind, notice.payment_id, notice.reference) == (
        NoticeKind.PAYMENT, payment_id, "ref-1")
